using System.Diagnostics;
using PeaKd.Data;
using PeaKd.Data.Metrics;
using PeaKd.Data.Tokenization;
using PeaKd.Devices;
using PeaKd.Distillation;
using PeaKd.Export;
using PeaKd.Folders;
using PeaKd.Inference;
using PeaKd.Modeling;

namespace PeaKd.Sweeps;

/// <summary>
/// What a finished cell's student costs to serve: it is exported to ONNX int8 (the deployable model, which the cell
/// keeps), timed with ONNX Runtime on this machine's CPU, and scored on the task's labelled test split (dev without one).
/// </summary>
internal static class ServingMeasurement
{
    /// <summary>The int8 export's folder in a cell's run folder.</summary>
    public const string ExportFolderName = "onnx-int8";

    /// <summary>
    /// Exports <paramref name="studentFolder"/> to ONNX int8 in <paramref name="exportFolder"/> (sealed, published whole,
    /// replacing an earlier ONNX export there: a rerun after an interruption measures again) and measures it: the median
    /// latency of batch 1 and the throughput of <see cref="ServingMeasurementSettings.ThroughputBatch"/> examples, both at
    /// <paramref name="maxLength"/> tokens per example (full rows of random tokens, not the task's texts, so the figure is
    /// the longest input the student takes), on fixed intra-op threads; and the int8 metrics on the test split when it
    /// is labelled, else dev, through <see cref="TextClassifier.Evaluate"/>.
    /// </summary>
    /// <param name="studentFolder">The cell's student folder (its run folder's student/).</param>
    /// <param name="data">The task's data.</param>
    /// <param name="maxLength">The length the student was trained at.</param>
    /// <param name="exportFolder">Where the int8 export goes (<see cref="ExportFolderName"/> in the cell's run folder):
    /// outside the student folder.</param>
    /// <param name="settings">Threads, runs and batches.</param>
    /// <param name="cancellationToken">Checked between timed runs and before scoring.</param>
    public static ServingCost Measure(string studentFolder, DataSource data, int maxLength, string exportFolder,
        ServingMeasurementSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        int threads = settings.Threads ?? TorchSharp.torch.get_num_threads();
        ModelExport.ToOnnx(studentFolder, exportFolder, OnnxQuantization.Int8, overwrite: true);
        string onnxFile = Path.Combine(exportFolder, ModelFiles.Onnx);
        (double latency, double throughput) = Time(exportFolder, maxLength, threads, settings, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        (string split, SplitMetrics metrics) = Score(exportFolder, data, maxLength, threads, settings.ScoringBatch);
        return new ServingCost
        {
            CpuModel = MachineCpu.Model(),
            Threads = threads,
            Int8FileBytes = new FileInfo(onnxFile).Length,
            Length = maxLength,
            LatencyMilliseconds = latency,
            LatencyRuns = settings.LatencyRuns,
            ThroughputBatch = settings.ThroughputBatch,
            ThroughputExamplesPerSecond = throughput,
            Int8Metrics = metrics,
            Int8Split = split,
        };
    }

    /// <summary>The median batch-1 latency in milliseconds and the examples per second at the throughput batch.</summary>
    private static (double Latency, double Throughput) Time(string exportFolder, int length, int threads, ServingMeasurementSettings settings,
        CancellationToken cancellationToken)
    {
        SealedFolder.Verify(exportFolder); // the file timed is the one exported
        BertConfig config = BertConfig.Load(Path.Combine(exportFolder, ModelFiles.Config));
        using var model = new OnnxLogits(Path.Combine(exportFolder, ModelFiles.Onnx), config, threads);
        EncodedExample[] one = ServingInputs.Random(config.VocabSize, 1, length, seed: 1);
        for (int i = 0; i < settings.WarmupRuns; i++)
        {
            Run(model, one);
        }
        var milliseconds = new double[settings.LatencyRuns];
        for (int i = 0; i < milliseconds.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            milliseconds[i] = Run(model, one).TotalMilliseconds;
        }
        EncodedExample[] batch = ServingInputs.Random(config.VocabSize, settings.ThroughputBatch, length, seed: 2);
        Run(model, batch); // ONNX Runtime plans its buffers for the new shape
        var total = TimeSpan.Zero;
        for (int i = 0; i < settings.ThroughputBatches; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            total += Run(model, batch);
        }
        return (PtpLabels.MedianOf(milliseconds), settings.ThroughputBatch * settings.ThroughputBatches / total.TotalSeconds);
    }

    /// <summary>One run over the rows as one batch (they are unpadded: the padding id is never read).</summary>
    private static TimeSpan Run(OnnxLogits model, EncodedExample[] rows)
    {
        var clock = Stopwatch.StartNew();
        model.Logits(rows, paddingId: 0, batchSize: rows.Length);
        return clock.Elapsed;
    }

    /// <summary>The int8 export's metrics on the labelled test split, else on dev, as evaluating the export scores them.</summary>
    private static (string Split, SplitMetrics Metrics) Score(string exportFolder, DataSource data, int maxLength, int threads, int batch)
    {
        var options = new TextClassifierOptions { Device = DeviceChoice.Cpu, MaxLength = maxLength, BatchSize = batch, OnnxThreads = threads };
        using TextClassifier int8 = TextClassifier.Load(exportFolder, options);
        // a task whose test files carry no labels (GLUE's) is not run over them for nothing
        if (data.Task.Test.Label is not null && data.HasSplit("test") && int8.Evaluate(data, "test").Metrics is SplitMetrics test)
        {
            return ("test", test);
        }
        return ("dev", int8.Evaluate(data, "dev").Metrics ?? throw new InvalidDataException($"{data}: the dev split has no labels, so the int8 export cannot be scored."));
    }
}
