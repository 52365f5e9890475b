using System.Diagnostics;
using PeaKd.Data.Batching;
using PeaKd.Data.Tokenization;
using static TorchSharp.torch;

namespace PeaKd.Training;

/// <summary>
/// One call of <see cref="TrainingLoop.Run"/>, from where its stage stood to the last step: what it trains on, and what
/// moves with every step between the checkpoints that record it (<see cref="LoopState"/>).
/// </summary>
internal sealed class TrainingPass(IReadOnlyList<EncodedExample> train, int paddingId, Device device, Func<Batch, LossTerms> loss,
    Func<EvaluationResult>? evaluate, AdamW optimizer, LinearWarmupSchedule schedule, long totalSteps, LoopState restored, MetricsWindow window)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private double _secondsBefore = restored.Seconds;

    public IReadOnlyList<EncodedExample> Train { get; } = train;
    public int PaddingId { get; } = paddingId;
    public Device Device { get; } = device;
    public Func<Batch, LossTerms> Loss { get; } = loss;

    /// <summary>The dev evaluation, or null when the stage keeps its last weights.</summary>
    public Func<EvaluationResult>? Evaluate { get; } = evaluate;

    public AdamW Optimizer { get; } = optimizer;
    public LinearWarmupSchedule Schedule { get; } = schedule;
    public long TotalSteps { get; } = totalSteps;
    public MetricsWindow Window { get; } = window;

    /// <summary>The best weights so far, and the position as of the last epoch's end (or the checkpoint resumed from).</summary>
    public LoopState State { get; set; } = restored;

    /// <summary>Steps done in the stage.</summary>
    public long Step { get; set; } = restored.GlobalStep;

    /// <summary>Training examples seen in the stage.</summary>
    public long Examples { get; set; } = restored.ExamplesSeen;

    /// <summary>The step a resume would continue from.</summary>
    public long CheckpointStep { get; set; } = restored.GlobalStep;

    /// <summary>The newest checkpoint, which a divergence error names; null before the first.</summary>
    public string? LastCheckpoint { get; set; }

    /// <summary>Training seconds so far, those of the runs before a resume included.</summary>
    public double Seconds => _secondsBefore + _clock.Elapsed.TotalSeconds;

    /// <summary>Stops counting training time: an epoch's closing dev check and checkpoint are not part of it (the dev
    /// checks within an epoch are).</summary>
    public void PauseClock()
    {
        _secondsBefore = Seconds;
        _clock.Reset();
    }

    /// <summary>Counts training time again, after <see cref="PauseClock"/>.</summary>
    public void ResumeClock() => _clock.Restart();

    /// <summary>The state a checkpoint taken now records: the best so far, and the stage continuing at
    /// <paramref name="batchInEpoch"/> of <paramref name="epoch"/>.</summary>
    public LoopState At(int epoch, int batchInEpoch) => State with
    {
        Epoch = epoch,
        BatchInEpoch = batchInEpoch,
        GlobalStep = Step,
        OptimizerSteps = Optimizer.Steps,
        Seconds = Seconds,
        ExamplesSeen = Examples,
    };
}
