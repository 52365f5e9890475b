namespace PeaKd.Training;

/// <summary>Where a stage stands: enough to continue it exactly.</summary>
/// <param name="Epoch">The epoch to continue (0-based).</param>
/// <param name="BatchInEpoch">The next batch of that epoch.</param>
/// <param name="GlobalStep">Steps done.</param>
/// <param name="OptimizerSteps">AdamW's step count (bias correction).</param>
/// <param name="BestScore">The best dev score so far, or null.</param>
/// <param name="BestStep">The step of the best weights.</param>
/// <param name="BestMetrics">The dev metrics at that step.</param>
/// <param name="Seconds">Training seconds so far.</param>
/// <param name="ExamplesSeen">Training examples so far.</param>
/// <param name="BestSha256">SHA-256 of best.safetensors when the best weights were written (null in older checkpoints).</param>
internal sealed record LoopState(
    int Epoch,
    int BatchInEpoch,
    long GlobalStep,
    long OptimizerSteps,
    double? BestScore,
    long BestStep,
    IReadOnlyDictionary<string, double>? BestMetrics,
    double Seconds,
    long ExamplesSeen,
    string? BestSha256 = null)
{
    /// <summary>A stage before its first step: no steps, no examples, no time and no best weights yet.</summary>
    public static LoopState Start { get; } = new(Epoch: 0, BatchInEpoch: 0, GlobalStep: 0, OptimizerSteps: 0, BestScore: null, BestStep: 0,
        BestMetrics: null, Seconds: 0, ExamplesSeen: 0);
}
