namespace PeaKd.Distillation;

/// <summary>Where a student's embeddings, pooler and owned layers come from before PTP and KD.</summary>
public enum StudentInit
{
    /// <summary>The pretrained model the teacher was fine-tuned from, as the authors do for every student: the
    /// student starts where its teacher started (<see cref="PipelineOptions.Pretrained"/>).</summary>
    Pretrained,

    /// <summary>The fine-tuned teacher itself (PeaKd 0.1's choice; kept for the ablation that compares the two).</summary>
    Teacher,
}
