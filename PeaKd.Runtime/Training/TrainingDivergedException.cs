namespace PeaKd.Training;

/// <summary>The loss became NaN or infinite; training stopped before the bad step changed any weight.</summary>
public sealed class TrainingDivergedException : Exception
{
    internal TrainingDivergedException(string stage, long step, string term, string? lastCheckpoint, string learningRate)
        : base($"{stage}: the {term} loss became NaN or infinite at step {step}; training stopped. " +
            (lastCheckpoint is null ? "No checkpoint was written yet. " : $"The last good checkpoint is {lastCheckpoint}. ") +
            $"Try a lower learning rate ({learningRate}), or check the data and the teacher record for extreme values.")
    {
        Stage = stage;
        Step = step;
        Term = term;
        LastCheckpoint = lastCheckpoint;
        LearningRateOption = learningRate;
    }

    /// <summary>The stage: finetune, ptp or kd.</summary>
    public string Stage { get; }

    /// <summary>The step whose loss was not finite, counted from 1 as metrics.jsonl and the progress count; it changed no weight.</summary>
    public long Step { get; }

    /// <summary>The loss term that stopped being finite (the total, or one of its parts).</summary>
    public string Term { get; }

    /// <summary>The stage's last checkpoint before the step, or null when none was written yet.</summary>
    public string? LastCheckpoint { get; }

    /// <summary>The option that sets this stage's learning rate, such as <c>PipelineOptions.PtpTraining.LearningRate</c>.</summary>
    public string LearningRateOption { get; }
}
