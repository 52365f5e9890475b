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

    [Fact]
    public void A_cell_whose_student_measured_over_the_int8_size_budget_is_skipped_and_not_before_it_measured()
    {
        var budget = new SweepBudget { MaxInt8FileBytes = 1_000 };
        Assert.Null(SweepPruning.Reason(budget, Cell("Bert2", 2), [], null, Cpu)); // nothing measured: its first seed runs
        SweepCellResult seed1 = Finished(Cell("Bert2", 1), bytes: 1_200, milliseconds: 3, accuracy: 0.7);
        Assert.Equal($"its student's int8 file is 1,200 bytes (measured by cell {seed1.Id}), over the budget's 1,000",
            SweepPruning.Reason(budget, Cell("Bert2", 2), [seed1], null, Cpu));
        Assert.Null(SweepPruning.Reason(budget, Cell("Bert1", 2), [seed1], null, Cpu)); // another student's size says nothing
        Assert.Null(SweepPruning.Reason(budget with { MaxInt8FileBytes = 1_200 }, Cell("Bert2", 2), [seed1], null, Cpu)); // at the limit is within
    }

    [Fact]
    public void Latency_judges_only_at_the_same_length_on_the_same_CPU_model()
    {
        var budget = new SweepBudget { MaxInt8LatencyMilliseconds = 2 };
        SweepCellResult elsewhere = Finished(Cell("Bert2", 1), bytes: 500, milliseconds: 9, accuracy: 0.7, cpu: "Another CPU");
        Assert.Null(SweepPruning.Reason(budget, Cell("Bert2", 2), [elsewhere], null, Cpu));
        SweepCellResult longer = Finished(Cell("Bert2", 1), bytes: 500, milliseconds: 9, accuracy: 0.7, length: 64);
        Assert.Null(SweepPruning.Reason(budget, Cell("Bert2", 2), [longer], null, Cpu));
        SweepCellResult here = Finished(Cell("Bert2", 1), bytes: 500, milliseconds: 2.5, accuracy: 0.7);
        Assert.Equal($"its student's int8 latency at length 16 is 2.5 ms on {Cpu} (measured by cell {here.Id}), over the budget's 2 ms",
            SweepPruning.Reason(budget, Cell("Bert2", 2), [here], null, Cpu));
    }

    [Fact]
    public void A_cell_beaten_on_every_cost_by_a_cell_above_the_teacher_cannot_reach_the_front()
    {
        // Bert2 seed 1 measured 2,000 bytes and 3 ms; Bert1 seed 1 is smaller (fewer owned parameters, 1,000 bytes, 2 ms)
        SweepCellResult bert2 = Finished(Cell("Bert2", 1), bytes: 2_000, milliseconds: 3, accuracy: 0.70);
        SweepCellResult bert1Above = Finished(Cell("Bert1", 1), bytes: 1_000, milliseconds: 2, accuracy: 0.86);
        SplitMetrics teacher = Metrics(0.85);
        Assert.Equal($"cell {bert1Above.Id} (Bert1) is as small and as fast and scored 0.86 dev accuracy, above the teacher's 0.85, the most a student is assumed to reach",
            SweepPruning.Reason(new SweepBudget(), Cell("Bert2", 2), [bert2, bert1Above], teacher, Cpu));
        // at the teacher's score, not above it: Bert2 could still tie it at more cost, so it is not beaten for sure
        Assert.Null(SweepPruning.Reason(new SweepBudget(), Cell("Bert2", 2), [bert2, bert1Above with { Metrics = new Dictionary<string, SplitMetrics> { ["dev"] = Metrics(0.85) } }], teacher, Cpu));
        // the teacher's score unknown: the clause is off
        Assert.Null(SweepPruning.Reason(new SweepBudget(), Cell("Bert2", 2), [bert2, bert1Above], null, Cpu));
        // the smaller cell cannot be beaten by the larger one, however well that scored
        SweepCellResult bert1 = Finished(Cell("Bert1", 1), bytes: 1_000, milliseconds: 2, accuracy: 0.6);
        Assert.Null(SweepPruning.Reason(new SweepBudget(), Cell("Bert1", 2), [bert1, bert2 with { Metrics = new Dictionary<string, SplitMetrics> { ["dev"] = Metrics(0.99) } }], teacher, Cpu));
        // nor by its own setting's other seed: the setting's mean is what the front ranks
        Assert.Null(SweepPruning.Reason(new SweepBudget(), Cell("Bert1", 2), [bert1 with { Metrics = new Dictionary<string, SplitMetrics> { ["dev"] = Metrics(0.99) } }], teacher, Cpu));
    }
}
