namespace PeaKd.Training;

/// <summary>What a run keeps of a training stage once the stage is done and its best weights are written.</summary>
public enum CheckpointRetention
{
    /// <summary>The best weights and the record that the stage is done; the resumable checkpoints (weights and
    /// optimizer moments, about 3x the weights each) are removed. A finished stage never resumes, so nothing is lost.</summary>
    Best,

    /// <summary>Every resumable checkpoint too (the two newest of each stage), as PeaKd 0.1 kept them.</summary>
    All,
}
