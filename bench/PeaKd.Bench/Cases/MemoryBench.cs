using System.Text.Json.Nodes;
using PeaKd.Data.Batching;
using PeaKd.Distillation;
using PeaKd.Modeling;
using PeaKd.Runs;
using PeaKd.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PeaKd.Bench.Cases;

/// <summary>
/// Memory over a long run of the real training loop (logging, periodic checkpoints): the process's resident set
/// and the count of live TorchSharp tensors, sampled as steps go by. A leak shows as growth after warm-up.
/// </summary>
internal static class MemoryBench
{
    public static void Run(BenchFile file, CaseSpec spec, Measurement measurement)
    {
        string folder = Directory.CreateTempSubdirectory("peakd-bench-memory-").FullName;
        try
        {
            using BertClassifier model = file.Build(spec.Model, spec.Precision);
            var data = SyntheticData.Examples(spec.Batch * spec.Steps, spec.Sequence, file.VocabSize, file.NumLabels, seed: 1);
            var options = new TrainingOptions { Epochs = 1, BatchSize = spec.Batch, LearningRate = 1e-4, CheckpointEvery = 100, BucketByLength = false };
            var run = new RunFolder(folder);
            var samples = new JsonArray();
            var progress = new Sampler(step =>
            {
                if (step is 1 or 10 or 50 || step % 100 == 0)
                {
                    samples.Add(new JsonObject
                    {
                        ["step"] = step,
                        ["rss_mib"] = ProcessMemory.ResidentMiB(),
                        ["live_tensors"] = DisposeScopeManager.Statistics.ThreadTotalLiveCount,
                    });
                }
            });
            var loop = new TrainingLoop("memory", model, options, run.Stage("memory"), run.Log, progress, CancellationToken.None);
            loop.Run(data, SyntheticData.PadId, CPU, batch => SupervisedLoss.Compute(model, batch), evaluate: null, resume: false);
            measurement["steps"] = spec.Steps;
            measurement["samples"] = samples;
            measurement["peak_rss_mib"] = ProcessMemory.PeakResidentMiB();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private sealed class Sampler(Action<long> onStep) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.Kind == ProgressKind.Step)
            {
                onStep(value.Step);
            }
        }
    }
}

/// <summary>The process's resident memory from /proc/self/status (Linux), in MiB.</summary>
internal static class ProcessMemory
{
    public static double ResidentMiB() => Field("VmRSS:");
    public static double PeakResidentMiB() => Field("VmHWM:");

    private static double Field(string name)
    {
        string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal));
        return line is null ? double.NaN : double.Parse(line[name.Length..].Trim().Split(' ')[0]) / 1024.0;
    }
}
