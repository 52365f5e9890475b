namespace PeaKd.Training;

/// <summary>Optimisation settings of one training stage (PEA-KD.md's common settings are the defaults).</summary>
public sealed record TrainingOptions
{
    public int Epochs { get; init; } = 4;
    public int BatchSize { get; init; } = 32;
    public double LearningRate { get; init; } = 2e-5;
    public double WeightDecay { get; init; } = 0.01;
    public double WarmupFraction { get; init; } = 0.1;
    public double MaxGradNorm { get; init; } = 1.0;
    public int Seed { get; init; } = 42;

    /// <summary>Steps between metrics.jsonl lines.</summary>
    public int LogEvery { get; init; } = 10;

    /// <summary>Steps between resumable checkpoints (epoch ends always get one); 0 for epoch ends only.</summary>
    public int CheckpointEvery { get; init; } = 100;

    /// <summary>Group examples of similar length into batches, for less padding.</summary>
    public bool BucketByLength { get; init; } = true;

    public int EvalBatchSize { get; init; } = 64;

    public void Validate()
    {
        Require(Epochs >= 1, "--epochs must be at least 1");
        Require(BatchSize >= 1, "--batch-size must be at least 1");
        Require(LearningRate > 0 && double.IsFinite(LearningRate), "--lr must be a positive number");
        Require(WeightDecay >= 0, "weight decay must not be negative");
        Require(WarmupFraction is >= 0 and < 1, "warmup must be a fraction in [0, 1)");
        Require(MaxGradNorm > 0, "the gradient clipping norm must be positive");
        Require(LogEvery >= 1, "the log interval must be at least 1");
        Require(CheckpointEvery >= 0, "the checkpoint interval must not be negative");
        Require(EvalBatchSize >= 1, "the evaluation batch size must be at least 1");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message + ".");
        }
    }
}
