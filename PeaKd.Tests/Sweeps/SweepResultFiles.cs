using System.Security.Cryptography;
using System.Text;
using PeaKd.Data.Metrics;
using PeaKd.Sweeps;

namespace PeaKd.Tests.Sweeps;

/// <summary>A sweep's finished cells written by hand: results/ID.json as a cell's run writes it.</summary>
internal static class SweepResultFiles
{
    /// <summary>A finished cell: its dev and test accuracy per seed (f1 second, and deliberately ordered the other way,
    /// so a report that ranked by it would be caught), and its int8 serving cost when <paramref name="latency"/> is given.</summary>
    public static SweepCellResult Cell(string student, SweepRecipe recipe, int seed, long owned, double dev, double test,
        double? latency = null, string cpu = "Cpu A", long bytes = 0, string sweep = "sweep-1", string version = "1.0.0",
        IReadOnlyDictionary<string, string>? settings = null)
    {
        settings ??= new Dictionary<string, string>();
        return new SweepCellResult
        {
            Id = SweepCell.IdOf(SweepCell.Canonical(student, recipe, settings, seed)), // the id the planner gives it
            Student = student,
            Recipe = recipe,
            Seed = seed,
            Settings = settings,
            OwnedParameters = owned,
            OwnedLayers = 2,
            EffectiveDepth = 2,
            Metrics = new Dictionary<string, SplitMetrics> { ["dev"] = Metrics(dev), ["test"] = Metrics(test) },
            Serving = latency is double ms ? new ServingCost
            {
                CpuModel = cpu,
                Threads = 1,
                Int8FileBytes = bytes,
                Length = 128,
                LatencyMilliseconds = ms,
                LatencyRuns = 50,
                ThroughputBatch = 32,
                ThroughputExamplesPerSecond = 100,
                Int8Metrics = Metrics(test - 0.01),
                Int8Split = "test",
            } : null,
            TrainingSeconds = 10,
            WallSeconds = 20,
            Attempts = 1,
            Sweep = sweep,
            PeakdVersion = version,
            Code = version, // another version is another build
            FinishedUtc = new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero),
        };
    }

    private static SplitMetrics Metrics(double accuracy) =>
        new([KeyValuePair.Create("accuracy", accuracy), KeyValuePair.Create("f1", 1 - accuracy)]);

    /// <summary>Writes <paramref name="cells"/> to <paramref name="sweepFolder"/>/results/ID.json; returns their paths.</summary>
    public static string[] Write(string sweepFolder, params SweepCellResult[] cells) => cells.Select(cell =>
    {
        string path = Path.Combine(sweepFolder, "results", cell.Id + ".json");
        cell.Write(path);
        return path;
    }).ToArray();

    /// <summary>A setting's three seeds (1, 2, 3): dev and test accuracy per seed, the latency per seed.</summary>
    public static SweepCellResult[] Seeds(string student, SweepRecipe recipe, long owned, double[] dev, double[] test, double[]? latency, long bytes, string cpu = "Cpu A") =>
        Enumerable.Range(0, 3).Select(i => Cell(student, recipe, i + 1, owned, dev[i], test[i], latency?[i], cpu, bytes)).ToArray();
}
