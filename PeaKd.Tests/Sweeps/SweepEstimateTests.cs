using PeaKd.Data.Metrics;
using PeaKd.Sweeps;
using PeaKd.Tests.Infrastructure;
using Xunit;
using SamplesCatalog = PeaKd.Samples.Students.StudentCatalog;

namespace PeaKd.Tests.Sweeps;

/// <summary>Cell time estimates, worked by hand: layer passes (epochs x examples x depth, scaled by width squared and
/// length) times a rate, the benchmark's or the median of the sweep's finished cells.</summary>
public class SweepEstimateTests
{
    [Fact]
    public void Estimates_count_layer_passes_and_take_the_rate_from_finished_cells_once_there_are_some()
    {
        using TempFolder folder = TestFiles.TempFolder();
        string spec = SweepSpecFiles.Write(folder, """
            "students": ["Bert2", "PeaBert2"], "recipes": ["kd", "peabert"], "seeds": [1], "axes": { "kd_epochs": [3], "max_length": [48] }
            """);
        SweepOptions sweep = SweepSpec.Load(spec, SamplesCatalog.All);
        SweepPlan plan = SweepPlanner.Plan(sweep);
        SweepCell bert2 = plan.Cells.Single(c => c.Student.Name == "Bert2");
        SweepCell peaBert2 = plan.Cells.Single(c => c.Student.Name == "PeaBert2");

        // Bert2 kd: 3 epochs x 1,000 examples x depth 2 x (768/384)^2 x 48/96 = 12,000 passes;
        // PeaBert2 peabert: (3 KD + 2 PTP epochs) x 1,000 x depth 4 x 4 x 0.5 = 40,000 passes
        IReadOnlyList<SweepCellEstimate> before = SweepEstimates.For(sweep, plan, trainExamples: 1_000, hiddenSize: 768);
        Assert.Equal(12_000 * SweepEstimates.BenchmarkSecondsPerLayerPass, before.Single(e => e.Cell == bert2).Seconds, 9);
        Assert.Equal(40_000 * SweepEstimates.BenchmarkSecondsPerLayerPass, before.Single(e => e.Cell == peaBert2).Seconds, 9);
        Assert.All(before, e => Assert.StartsWith("the benchmark rate", e.Basis));

        // Bert2 finished in 600 s: 0.05 s a pass, so PeaBert2 takes 40,000 x 0.05 = 2,000 s
        Directory.CreateDirectory(folder.File("sweep/results"));
        new SweepCellResult
        {
            Id = bert2.Id, Student = "Bert2", Recipe = bert2.Recipe, Seed = 1, Settings = bert2.Settings, OwnedParameters = 1, OwnedLayers = 2, EffectiveDepth = 2,
            Metrics = new Dictionary<string, SplitMetrics> { ["dev"] = new([new("accuracy", 0.5)]) },
            TrainingSeconds = 600, WallSeconds = 700, Attempts = 1, Sweep = "s", PeakdVersion = "v", Code = "c", FinishedUtc = DateTimeOffset.UnixEpoch,
        }.Write(folder.File($"sweep/results/{bert2.Id}.json"));
        IReadOnlyList<SweepCellEstimate> after = SweepEstimates.For(sweep, plan, trainExamples: 1_000, hiddenSize: 768);
        Assert.Equal(600, after.Single(e => e.Cell == bert2).Seconds);
        Assert.Equal("done: its training time", after.Single(e => e.Cell == bert2).Basis);
        Assert.Equal(2_000, after.Single(e => e.Cell == peaBert2).Seconds, 9);
        Assert.Equal("the median rate of this sweep's 1 finished cells", after.Single(e => e.Cell == peaBert2).Basis);
    }
}
