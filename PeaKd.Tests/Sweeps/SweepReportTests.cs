using PeaKd.IO;
using PeaKd.Reporting.Sweeps;
using PeaKd.Sweeps;
using PeaKd.Tests.Infrastructure;
using Xunit;
using static PeaKd.Tests.Sweeps.SweepResultFiles;

namespace PeaKd.Tests.Sweeps;

/// <summary>The sweep report over a hand-worked sweep of five settings, three seeds each (accuracy in points):
/// <code>
/// setting          owned   dev (per seed)  dev mean  test mean  latency (ms)  int8 bytes
/// A Bert1 kd       100k    80 82 84        82        80         2.2           1.0M
/// B Bert2 kd       200k    85 86 87        86        81         4.0           2.0M
/// C PeaBert2 sps   200k    84 85 86        85        87         3.0           2.0M
/// D Bert3 kd       300k    83 84 85        84        84         6.0           3.0M
/// E Bert4 kd       400k    87 88 89        88        85         8.0           4.0M
/// </code>
/// Against parameters, C is beaten by B (as small, more accurate) and D by B (smaller, more accurate): the front is
/// A, B, E. Against latency, D is beaten by B (faster, more accurate), and C is faster than B: the front is A, C, B, E.
/// Within 300k parameters the best on dev is B (86), though C is far better on test (87 against 81).</summary>
public class SweepReportTests
{
    private static SweepCellResult[] Sweep() =>
    [
        .. Seeds("Bert1", SweepRecipe.Kd, 100_000, [0.80, 0.82, 0.84], [0.79, 0.80, 0.81], [2.0, 2.2, 2.4], 1_000_000),
        .. Seeds("Bert2", SweepRecipe.Kd, 200_000, [0.85, 0.86, 0.87], [0.80, 0.81, 0.82], [4.0, 4.0, 4.0], 2_000_000),
        .. Seeds("PeaBert2", SweepRecipe.Sps, 200_000, [0.84, 0.85, 0.86], [0.86, 0.87, 0.88], [3.0, 3.0, 3.0], 2_000_000),
        .. Seeds("Bert3", SweepRecipe.Kd, 300_000, [0.83, 0.84, 0.85], [0.83, 0.84, 0.85], [6.0, 6.0, 6.0], 3_000_000),
        .. Seeds("Bert4", SweepRecipe.Kd, 400_000, [0.87, 0.88, 0.89], [0.84, 0.85, 0.86], [8.0, 8.0, 8.0], 4_000_000),
    ];

    private static SweepReport Report(TempFolder folder, SweepBudget budget, SweepCellResult[]? cells = null, List<string>? notes = null)
    {
        Write(folder.Path, cells ?? Sweep());
        return SweepReport.Read(folder.Path, budget, line => notes?.Add(line));
    }

    private static string[] Names(IEnumerable<SweepSetting> settings) => settings.Select(s => s.Name).ToArray();

    [Fact]
    public void The_fronts_are_the_hand_worked_ones()
    {
        using var folder = TestFiles.TempFolder();
        SweepReport report = Report(folder, new SweepBudget());
        Assert.Equal("accuracy", report.Metric); // the task's first metric, not f1 (which ranks the other way)
        Assert.Equal(["Bert1 kd", "Bert2 kd", "PeaBert2 sps", "Bert3 kd", "Bert4 kd"], Names(report.Settings));
        Assert.Equal(["Bert1 kd", "Bert2 kd", "Bert4 kd"], Names(report.ParametersFront));
        LatencyFront latency = Assert.Single(report.LatencyFronts);
        Assert.Equal("Cpu A", latency.CpuModel);
        Assert.Equal(["Bert1 kd", "PeaBert2 sps", "Bert2 kd", "Bert4 kd"], Names(latency.Members));
        Assert.Equal(2.2, report.Settings[0].LatencyByCpu["Cpu A"], 12); // the mean of the seeds' medians 2.0, 2.2, 2.4
    }

    [Fact]
    public void The_dev_interval_is_the_t_interval_over_seeds()
    {
        using var folder = TestFiles.TempFolder();
        SweepSetting a = Report(folder, new SweepBudget()).Settings[0];
        // Bert1 kd's dev: 80, 82, 84. Mean 82; deviations -2, 0, 2 -> variance 8 / 2 = 4, sd 2; se 2 / sqrt(3) = 1.154701;
        // t(0.975, 2) = 4.302653 -> half width 4.968275.
        Assert.Equal(3, a.Dev.Seeds);
        Assert.Equal(82, a.Dev.Mean, 9);
        Assert.Equal(82 - 4.968275, a.Dev.Low, 5);
        Assert.Equal(82 + 4.968275, a.Dev.High, 5);
    }

    [Fact]
    public void The_best_within_the_budget_is_chosen_on_dev_and_reported_on_test()
    {
        using var folder = TestFiles.TempFolder();
        SweepReport report = Report(folder, new SweepBudget { MaxOwnedParameters = 300_000 });
        BudgetPick pick = Assert.Single(report.Picks);
        Assert.Equal("Bert2 kd", pick.Best!.Name); // dev 86 beats PeaBert2 sps's 85, though its test (87) beats Bert2's 81
        Assert.Equal("Bert4 kd", Assert.Single(pick.Over).Setting.Name);
        Assert.Equal("owns 400,000 parameters, more than 300,000", pick.Over[0].Why);
        // test 80, 81, 82: mean 81, sd 1, se 1 / sqrt(3) = 0.577350, t(2) = 4.302653 -> half width 2.484138
        Assert.Equal(81, pick.Best.Reported!.Mean, 9);
        Assert.Equal(81 - 2.484138, pick.Best.Reported.Low, 5);

        string markdown = report.Write(folder.File("report"));
        Assert.Contains("Budget: at most 300,000 owned parameters.", markdown);
        Assert.Contains("**Bert2 kd**: test accuracy **81.00**, 95% interval [78.52, 83.48] over 3 seeds; dev 86.00 [83.52, 88.48]; 200,000 owned parameters, "
            + "int8 file 2,000,000 bytes, int8 latency 4.00 ms on Cpu A, int8 test accuracy 80.00. 4 of 5 settings are within the budget.", markdown);
    }

    [Fact]
    public void Int8_limits_judge_the_file_and_the_latency()
    {
        using var latency = TestFiles.TempFolder();
        BudgetPick fast = Assert.Single(Report(latency, new SweepBudget { MaxOwnedParameters = 300_000, MaxInt8LatencyMilliseconds = 3.5 }).Picks);
        Assert.Equal("PeaBert2 sps", fast.Best!.Name); // within 3.5 ms: Bert1 kd (82) and PeaBert2 sps (85)
        Assert.Equal("its int8 latency is 4.00 ms on Cpu A, more than 3.5", fast.Over.Single(o => o.Setting.Name == "Bert2 kd").Why);

        using var file = TestFiles.TempFolder();
        BudgetPick small = Assert.Single(Report(file, new SweepBudget { MaxInt8FileBytes = 1_500_000 }).Picks);
        Assert.Equal("Bert1 kd", small.Best!.Name);
        Assert.Equal("its int8 file is 2,000,000 bytes, more than 1,500,000", small.Over.Single(o => o.Setting.Name == "Bert2 kd").Why);
    }

    [Fact]
    public void Nothing_within_the_budget_is_said_with_each_reason()
    {
        using var folder = TestFiles.TempFolder();
        SweepReport report = Report(folder, new SweepBudget { MaxOwnedParameters = 50_000 });
        Assert.Null(Assert.Single(report.Picks).Best);
        Assert.Empty(report.Comparisons);
        string markdown = report.Write(folder.File("report"));
        Assert.Contains("**Nothing meets the budget.** Every setting is over it:", markdown);
        Assert.Contains("| Bert1 kd | owns 100,000 parameters, more than 50,000 |", markdown);
        Assert.Contains("Nothing meets the budget, so nothing is compared.", markdown);
    }

    [Fact]
    public void Ties_on_dev_go_to_fewer_parameters_then_lower_latency()
    {
        SweepCellResult[] Same(string student, SweepRecipe recipe, long owned, double ms) =>
            Seeds(student, recipe, owned, [0.86, 0.86, 0.86], [0.8, 0.8, 0.8], [ms, ms, ms], 1000);
        using var folder = TestFiles.TempFolder();
        BudgetPick pick = Assert.Single(Report(folder, new SweepBudget(),
            [.. Same("Bert2", SweepRecipe.Kd, 200_000, 4), .. Same("Bert2", SweepRecipe.Pkd, 200_000, 3), .. Same("Bert3", SweepRecipe.Kd, 300_000, 1)]).Picks);
        Assert.Equal("Bert2 pkd", pick.Best!.Name); // as small as Bert2 kd and faster; Bert3 kd is faster still, but larger

        using var smaller = TestFiles.TempFolder();
        pick = Assert.Single(Report(smaller, new SweepBudget(),
            [.. Same("Bert2", SweepRecipe.Pkd, 200_000, 3), .. Same("Bert1", SweepRecipe.Kd, 100_000, 9)]).Picks);
        Assert.Equal("Bert1 kd", pick.Best!.Name); // fewer parameters first, though slower
    }

    [Fact]
    public void The_best_is_compared_with_each_other_front_member_by_seed_on_test()
    {
        using var folder = TestFiles.TempFolder();
        SweepReport report = Report(folder, new SweepBudget { MaxOwnedParameters = 300_000 });
        // Bert2 kd against the parameter front's Bert1 kd and Bert4 kd and the latency front's PeaBert2 sps
        Assert.Equal(["Bert1 kd", "Bert4 kd", "PeaBert2 sps"], report.Comparisons.Select(c => c.Other.Name).ToArray());
        var sps = report.Comparisons[2].Result; // test 80 - 86, 81 - 87, 82 - 88: -6 on every seed
        Assert.Equal((3, -6.0, 0, 3), (sps.Pairs, Math.Round(sps.MeanDifference, 9), sps.Wins, sps.Losses));
        var bert1 = report.Comparisons[0].Result; // test 80 - 79, 81 - 80, 82 - 81: +1 on every seed
        Assert.Equal(1, bert1.MeanDifference, 9);
        Assert.Contains("| Bert2 kd | PeaBert2 sps | 3 | -6.00 | [-6.00, -6.00] | 0 / 0 / 3 |", report.Write(folder.File("report")));
    }

    [Fact]
    public void Latencies_of_different_CPU_models_get_a_front_each()
    {
        SweepCellResult[] cells =
        [
            .. Seeds("Bert1", SweepRecipe.Kd, 100_000, [0.80, 0.82, 0.84], [0.8, 0.8, 0.8], [2.2, 2.2, 2.2], 1000, "Cpu A"),
            .. Seeds("Bert2", SweepRecipe.Kd, 200_000, [0.85, 0.86, 0.87], [0.8, 0.8, 0.8], [4.0, 4.0, 4.0], 1000, "Cpu A"),
            .. Seeds("PeaBert2", SweepRecipe.Sps, 200_000, [0.84, 0.85, 0.86], [0.8, 0.8, 0.8], [3.0, 3.0, 3.0], 1000, "Cpu B"),
            .. Seeds("Bert3", SweepRecipe.Kd, 300_000, [0.83, 0.84, 0.85], [0.8, 0.8, 0.8], [6.0, 6.0, 6.0], 1000, "Cpu B"),
            // Bert4 kd ran two seeds on Cpu A (8 ms) and one on Cpu B (5 ms): it is weighed on each with that CPU's seeds
            Cell("Bert4", SweepRecipe.Kd, 1, 400_000, 0.87, 0.8, 8.0, "Cpu A"),
            Cell("Bert4", SweepRecipe.Kd, 2, 400_000, 0.88, 0.8, 8.0, "Cpu A"),
            Cell("Bert4", SweepRecipe.Kd, 3, 400_000, 0.89, 0.8, 5.0, "Cpu B"),
        ];
        using var folder = TestFiles.TempFolder();
        var notes = new List<string>();
        SweepReport report = Report(folder, new SweepBudget { MaxInt8LatencyMilliseconds = 4.5 }, cells, notes);
        Assert.Equal(["Cpu A", "Cpu B"], report.LatencyFronts.Select(f => f.CpuModel).ToArray());
        Assert.Equal(["Bert1 kd", "Bert2 kd", "Bert4 kd"], Names(report.LatencyFronts[0].Members));
        Assert.Equal(["PeaBert2 sps", "Bert4 kd"], Names(report.LatencyFronts[1].Members)); // Bert3 kd (6 ms, 84) is beaten by Bert4 kd (5 ms, 88)
        // the latency limit is judged per CPU: on Cpu A, Bert2 kd (4.0 ms); on Cpu B, PeaBert2 sps (3.0 ms)
        Assert.Equal([("Cpu A", "Bert2 kd"), ("Cpu B", "PeaBert2 sps")], report.Picks.Select(p => (p.CpuModel, p.Best!.Name)).ToArray());
        Assert.Contains(notes, n => n.StartsWith("note: latencies were measured on 2 CPU models (Cpu A; Cpu B); they are not ranked across models", StringComparison.Ordinal));
        string markdown = report.Write(folder.File("report"));
        Assert.Contains("Measured on 2 CPU models: a latency on one CPU says nothing about another, so each model has its own front and no latency is ranked across models.", markdown);
        Assert.Contains("### Cpu B", markdown);
        Assert.Contains("### Latency on Cpu A", markdown);

        using var unlimited = TestFiles.TempFolder();
        BudgetPick one = Assert.Single(Report(unlimited, new SweepBudget(), cells).Picks); // without a latency limit, one pick over all
        Assert.Null(one.CpuModel);
        Assert.Equal("Bert4 kd", one.Best!.Name);
    }

    [Fact]
    public void The_charts_are_PNG_files()
    {
        using var folder = TestFiles.TempFolder();
        SweepReport report = Report(folder, new SweepBudget { MaxOwnedParameters = 300_000, MaxInt8LatencyMilliseconds = 5 });
        report.Write(folder.File("report"));
        byte[] png = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
        foreach (string chart in new[] { "pareto-parameters.png", "pareto-latency.png" })
        {
            byte[] bytes = File.ReadAllBytes(Path.Combine(folder.File("report"), chart));
            Assert.True(bytes.Length > 10_000, $"{chart}: {bytes.Length} bytes");
            Assert.Equal(png, bytes[..8]);
        }
        Assert.True(File.Exists(Path.Combine(folder.File("report"), "sweep-report.md")));
    }

    [Fact]
    public void Without_serving_measurements_there_is_no_latency_front_or_chart()
    {
        using var folder = TestFiles.TempFolder();
        var notes = new List<string>();
        SweepReport report = Report(folder, new SweepBudget(),
            Seeds("Bert1", SweepRecipe.Kd, 100_000, [0.8, 0.8, 0.8], [0.8, 0.8, 0.8], null, 0), notes);
        Assert.Empty(report.LatencyFronts);
        Assert.Equal("note: 3 of 3 cells have no int8 serving measurement; their settings are on no latency front.", Assert.Single(notes));
        string markdown = report.Write(folder.File("report"));
        Assert.Contains("No cell measured its int8 serving cost, so there is no latency front.", markdown);
        Assert.False(File.Exists(Path.Combine(folder.File("report"), "pareto-latency.png")));
        Assert.True(File.Exists(Path.Combine(folder.File("report"), "pareto-parameters.png")));
    }

    [Fact]
    public void An_edited_result_is_refused_naming_the_file()
    {
        using var folder = TestFiles.TempFolder();
        string[] paths = Write(folder.Path, Sweep());
        File.WriteAllText(paths[4], File.ReadAllText(paths[4]).Replace("0.86", "0.96", StringComparison.Ordinal));
        var error = Assert.Throws<CorruptFileException>(() => SweepReport.Read(folder.Path, new SweepBudget(), _ => { }));
        Assert.Equal(paths[4], error.File);
        Assert.StartsWith(paths[4], error.Message);
    }

    [Fact]
    public void Results_of_other_sweeps_or_versions_are_refused_naming_a_file_of_each()
    {
        using var sweeps = TestFiles.TempFolder();
        SweepCellResult ours = Cell("Bert1", SweepRecipe.Kd, 1, 100, 0.8, 0.8), theirs = Cell("Bert2", SweepRecipe.Kd, 1, 200, 0.8, 0.8, sweep: "sweep-2");
        Write(sweeps.Path, ours, theirs);
        var error = Assert.Throws<InvalidDataException>(() => SweepReport.Read(sweeps.Path, new SweepBudget(), _ => { }));
        Assert.Contains("results of 2 sweeps:", error.Message);
        Assert.Contains($"'sweep-1' in {ours.Id}.json (1 cells)", error.Message);
        Assert.Contains($"'sweep-2' in {theirs.Id}.json (1 cells)", error.Message);

        using var versions = TestFiles.TempFolder();
        Write(versions.Path, ours, Cell("Bert2", SweepRecipe.Kd, 1, 200, 0.8, 0.8, version: "1.1.0"));
        error = Assert.Throws<InvalidDataException>(() => SweepReport.Read(versions.Path, new SweepBudget(), _ => { }));
        Assert.Contains("results of 2 builds (code): '1.0.0' in", error.Message);
    }

    [Fact]
    public void A_sweep_without_results_is_refused()
    {
        using var folder = TestFiles.TempFolder();
        var error = Assert.Throws<ArgumentException>(() => SweepReport.Read(folder.Path, new SweepBudget(), _ => { }));
        Assert.StartsWith($"{Path.Combine(folder.Path, "results")}: no finished cell", error.Message);
    }

    [Fact]
    public void Settings_every_cell_shares_are_said_once_and_left_out_of_the_names()
    {
        using var folder = TestFiles.TempFolder();
        var fixedLength = new Dictionary<string, string> { ["max_length"] = "96", ["kd_epochs"] = "2" };
        var otherEpochs = new Dictionary<string, string> { ["max_length"] = "96", ["kd_epochs"] = "3" };
        SweepReport report = Report(folder, new SweepBudget(),
        [
            Cell("Bert1", SweepRecipe.Kd, 1, 100, 0.80, 0.80, settings: fixedLength),
            Cell("Bert2", SweepRecipe.Kd, 1, 200, 0.82, 0.81, settings: fixedLength),
            Cell("Bert2", SweepRecipe.Kd, 1, 200, 0.83, 0.82, settings: otherEpochs),
        ]);
        Assert.Equal(["Bert1 kd (kd_epochs=2)", "Bert2 kd (kd_epochs=2)", "Bert2 kd (kd_epochs=3)"], Names(report.Settings).Order(StringComparer.Ordinal));
        Assert.Contains("Every cell has max_length=96, so the names leave them out.", report.Write(folder.File("out")));
    }
}
