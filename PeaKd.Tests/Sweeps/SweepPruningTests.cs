using PeaKd.Data.Metrics;
using PeaKd.Sweeps;
using Xunit;
using SamplesCatalog = PeaKd.Samples.Students.StudentCatalog;

namespace PeaKd.Tests.Sweeps;

/// <summary>The prune rule (SweepPruning) on hand-made results: a cell is skipped only when a finished cell has measured
/// its cost over the budget, or a cell of another setting beat it on every cost and scored above the teacher.</summary>
public class SweepPruningTests
{
    private const string Cpu = "Test CPU";

    /// <summary>Bert1 and Bert2, each with the kd recipe, seeds 1 and 2, at max length 16.</summary>
    private static readonly SweepCell[] Cells = SweepPlanner.Plan(new SweepOptions
    {
        Folder = "sweep", Teacher = PeaKd.Tests.Infrastructure.TestFiles.Fixture("tiny-bert"), Data = PeaKd.Data.DataSource.Files("tsv", "data"),
        Students = [.. SamplesCatalog.All.Where(s => s.Name is "Bert1" or "Bert2")], Recipes = [SweepRecipe.Kd],
        Axes = [SweepAxis.Of("max_length", 16)], Seeds = [1, 2],
    }).Cells.ToArray();

    private static SweepCell Cell(string student, int seed) => Cells.Single(c => c.Student.Name == student && c.Seed == seed);

    private static SweepCellResult Finished(SweepCell cell, long bytes, double milliseconds, double accuracy, string cpu = Cpu, int length = 16) => new()
    {
        Id = cell.Id, Student = cell.Student.Name, Recipe = cell.Recipe, Seed = cell.Seed, Settings = cell.Settings,
        OwnedParameters = cell.OwnedParameters, OwnedLayers = 1, EffectiveDepth = 1,
        Metrics = new Dictionary<string, SplitMetrics> { ["dev"] = Metrics(accuracy) },
        Serving = new ServingCost
        {
            CpuModel = cpu, Threads = 1, Int8FileBytes = bytes, Length = length, LatencyMilliseconds = milliseconds, LatencyRuns = 5,
            ThroughputBatch = 32, ThroughputExamplesPerSecond = 100, Int8Metrics = Metrics(accuracy), Int8Split = "test",
        },
        TrainingSeconds = 1, WallSeconds = 1, Attempts = 1, Sweep = "sweep", PeakdVersion = "0.1.0", Code = "code", FinishedUtc = DateTimeOffset.UnixEpoch,
    };

    private static SplitMetrics Metrics(double accuracy) => new([new("accuracy", accuracy), new("f1", 0.5)]);

    private static string? Reason(SweepBudget budget, SweepCell cell, SweepCellResult[] finished, SplitMetrics? teacher = null) =>
        SweepPruning.Reason(budget, cell, Cells, finished, teacher);

    private static SweepCellResult WithDev(SweepCellResult result, double accuracy) =>
        result with { Metrics = new Dictionary<string, SplitMetrics> { ["dev"] = Metrics(accuracy) } };

    [Fact]
    public void A_cell_whose_student_measured_over_the_int8_size_budget_is_skipped_and_not_before_it_measured()
    {
        var budget = new SweepBudget { MaxInt8FileBytes = 1_000 };
        Assert.Null(Reason(budget, Cell("Bert2", 2), [])); // nothing measured: its first seed runs
        SweepCellResult seed1 = Finished(Cell("Bert2", 1), bytes: 1_200, milliseconds: 3, accuracy: 0.7);
        Assert.Equal($"its student's int8 file is 1,200 bytes (measured by cell {seed1.Id}), over the budget's 1,000", Reason(budget, Cell("Bert2", 2), [seed1]));
        Assert.Null(Reason(budget, Cell("Bert1", 2), [seed1])); // another student's size says nothing
        Assert.Null(Reason(budget with { MaxInt8FileBytes = 1_200 }, Cell("Bert2", 2), [seed1])); // at the limit is within
    }

    [Fact]
    public void Latency_judges_only_at_the_same_length_and_only_when_over_on_every_CPU_model_measured()
    {
        var budget = new SweepBudget { MaxInt8LatencyMilliseconds = 2 };
        SweepCellResult longer = Finished(Cell("Bert2", 1), bytes: 500, milliseconds: 9, accuracy: 0.7, length: 64);
        Assert.Null(Reason(budget, Cell("Bert2", 2), [longer]));
        SweepCellResult slow = Finished(Cell("Bert2", 1), bytes: 500, milliseconds: 2.5, accuracy: 0.7);
        Assert.Equal($"its student's int8 latency at length 16 is 2.5 ms on {Cpu}, over the budget's 2 ms", Reason(budget, Cell("Bert2", 2), [slow]));
        Assert.Null(Reason(budget with { MaxInt8LatencyMilliseconds = 2.5 }, Cell("Bert2", 2), [slow])); // at the limit is within
        // within the budget on another CPU model: chosen there, so it runs
        SweepCellResult fastElsewhere = Finished(Cell("Bert2", 2), bytes: 500, milliseconds: 1.5, accuracy: 0.7, cpu: "Another CPU");
        Assert.Null(Reason(budget, Cell("Bert2", 2), [slow, fastElsewhere]));
    }

    [Fact]
    public void A_setting_beaten_on_every_cost_by_a_finished_setting_above_the_teacher_cannot_reach_the_front()
    {
        // Bert2 seed 1 measured 2,000 bytes and 3 ms; Bert1 (fewer owned parameters) 1,000 bytes and 2 ms, both seeds above the teacher
        SweepCellResult bert2 = Finished(Cell("Bert2", 1), bytes: 2_000, milliseconds: 3, accuracy: 0.70);
        SweepCellResult bert1a = Finished(Cell("Bert1", 1), bytes: 1_000, milliseconds: 2, accuracy: 0.87);
        SweepCellResult bert1b = Finished(Cell("Bert1", 2), bytes: 1_000, milliseconds: 2, accuracy: 0.86);
        SplitMetrics teacher = Metrics(0.85);
        Assert.Equal("setting Bert1 (kd, max_length=16) is as small and as fast, and every seed of it scored at least 0.86 dev accuracy, above the teacher's 0.85 (the most a student is assumed to reach) and this setting's best so far",
            Reason(new SweepBudget(), Cell("Bert2", 2), [bert2, bert1a, bert1b], teacher));
        // not while a seed of the better setting is unfinished: its mean could still fall
        Assert.Null(Reason(new SweepBudget(), Cell("Bert2", 2), [bert2, bert1a], teacher));
        // not when its worst seed is only at the teacher's score
        Assert.Null(Reason(new SweepBudget(), Cell("Bert2", 2), [bert2, bert1a, WithDev(bert1b, 0.85)], teacher));
        // not when this setting has already done better than the other's worst seed
        Assert.Null(Reason(new SweepBudget(), Cell("Bert2", 2), [WithDev(bert2, 0.9), bert1a, bert1b], teacher));
        // not without the teacher's score
        Assert.Null(Reason(new SweepBudget(), Cell("Bert2", 2), [bert2, bert1a, bert1b]));
        // not when the better setting was not measured on the CPU model this one was
        Assert.Null(Reason(new SweepBudget(), Cell("Bert2", 2), [bert2, Finished(Cell("Bert1", 1), 1_000, 2, 0.87, cpu: "Another CPU"), Finished(Cell("Bert1", 2), 1_000, 2, 0.86, cpu: "Another CPU")], teacher));
        // and never by a larger setting, however well it scored
        Assert.Null(Reason(new SweepBudget(), Cell("Bert1", 2), [WithDev(bert1a, 0.5), WithDev(bert2, 0.99), Finished(Cell("Bert2", 2), 2_000, 3, 0.99)], teacher));
    }
}
