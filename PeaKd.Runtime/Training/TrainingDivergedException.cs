namespace PeaKd.Training;

/// <summary>The loss became NaN or infinite; training stopped before the bad step changed any weight.</summary>
public sealed class TrainingDivergedException(string stage, long step, string term, string? lastCheckpoint)
    : Exception($"{stage}: the {term} loss became NaN or infinite at step {step}; training stopped. " +
        (lastCheckpoint is null ? "No checkpoint was written yet. " : $"The last good checkpoint is {lastCheckpoint}. ") +
        "Try a lower learning rate (TrainingOptions.LearningRate), or check the data and the teacher record for extreme values.")
{
    /// <summary>The stage: finetune, ptp or kd.</summary>
    public string Stage { get; } = stage;
    /// <summary>The step whose loss was not finite, counted from 1 as metrics.jsonl and the progress count; it changed no weight.</summary>
    public long Step { get; } = step;
}
