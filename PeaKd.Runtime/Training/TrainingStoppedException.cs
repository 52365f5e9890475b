namespace PeaKd.Training;

/// <summary>A training stage stopped because its <see cref="CancellationToken"/> was cancelled: after a whole step, with
/// every file complete. Resuming the run continues from <see cref="ResumesFrom"/>, its last checkpoint.</summary>
public sealed class TrainingStoppedException : OperationCanceledException
{
    internal TrainingStoppedException(string stage, long step, long resumesFrom, CancellationToken token)
        : base($"{stage}: stopped after step {step}; resuming the run continues from step {resumesFrom}, its last checkpoint.", token)
    {
        Stage = stage;
        Step = step;
        ResumesFrom = resumesFrom;
    }

    /// <summary>The stage: finetune, ptp or kd.</summary>
    public string Stage { get; }

    /// <summary>The last step done, counted from 1.</summary>
    public long Step { get; }

    /// <summary>The step a resumed run starts after (0: the stage starts over).</summary>
    public long ResumesFrom { get; }
}
