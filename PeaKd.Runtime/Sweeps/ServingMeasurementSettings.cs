using PeaKd.Options;

namespace PeaKd.Sweeps;

/// <summary>How <see cref="ServingMeasurement"/> times and scores a cell's int8 export.</summary>
internal sealed record ServingMeasurementSettings
{
    private static readonly OptionPath Name = new(nameof(ServingMeasurementSettings));

    /// <summary>ONNX Runtime's intra-op threads, for timing and scoring alike; null for the threads TorchSharp uses in
    /// this process, the ones the cell trained with.</summary>
    public int? Threads { get; init; }

    /// <summary>Untimed runs at batch 1 before the timed ones (ONNX Runtime plans its buffers on the first runs).</summary>
    public int WarmupRuns { get; init; } = 5;

    /// <summary>Timed runs at batch 1; the latency is their median.</summary>
    public int LatencyRuns { get; init; } = 50;

    /// <summary>Examples per batch in the throughput measurement.</summary>
    public int ThroughputBatch { get; init; } = 32;

    /// <summary>Timed batches in the throughput measurement (after one untimed batch of that shape).</summary>
    public int ThroughputBatches { get; init; } = 5;

    /// <summary>Examples per run when the int8 export is scored: TextClassifier's default, so the accuracy is the one
    /// evaluating the export reports (int8 quantizes activations per run, so batching can move a borderline prediction).</summary>
    public int ScoringBatch { get; init; } = 64;

    /// <summary>Throws <see cref="InvalidOptionException"/> naming the first invalid property.</summary>
    public void Validate()
    {
        if (Threads is int threads)
        {
            OptionCheck.AtLeast(Name / nameof(Threads), threads, 1);
        }
        OptionCheck.AtLeast(Name / nameof(WarmupRuns), WarmupRuns, 0);
        OptionCheck.AtLeast(Name / nameof(LatencyRuns), LatencyRuns, 1);
        OptionCheck.AtLeast(Name / nameof(ThroughputBatch), ThroughputBatch, 1);
        OptionCheck.AtLeast(Name / nameof(ThroughputBatches), ThroughputBatches, 1);
        OptionCheck.AtLeast(Name / nameof(ScoringBatch), ScoringBatch, 1);
    }
}
