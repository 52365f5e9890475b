using System.Globalization;
using System.Text;
using PeaKd.Reporting.Analysis;
using PeaKd.Sweeps;

namespace PeaKd.Reporting.Sweeps;

/// <summary>sweep-report.md: every setting, the fronts, the best within the budget and the paired comparisons.</summary>
internal static class SweepTables
{
    public static string Markdown(SweepReport report)
    {
        SweepCellResult first = report.Cells[0];
        var text = new StringBuilder("# Sweep report\n\n");
        text.Append(CultureInfo.InvariantCulture, $"{report.Cells.Count} finished cells of sweep {first.Sweep} (PeaKd {first.PeakdVersion}) in {report.Settings.Count} settings: ");
        text.Append(CultureInfo.InvariantCulture, $"a setting is a student, a recipe and the axes' values, its seeds averaged. Scores are the dev {report.Metric} (the task's first metric) in points, ");
        text.Append("the mean over seeds with its 95% interval from the t distribution over seeds (one seed gives none).");
        IReadOnlyDictionary<string, string> shared = SweepSetting.Shared(report.Cells);
        text.Append(shared.Count == 0 ? "\n" : $" Every cell has {string.Join(", ", shared.Select(s => $"{s.Key}={s.Value}"))}, so the names leave them out.\n");
        foreach (string note in report.Notes())
        {
            string line = note["note: ".Length..];
            text.Append('\n').Append(char.ToUpperInvariant(line[0])).Append(line[1..]).Append('\n');
        }
        text.Append('\n').Append(Settings(report));
        text.Append('\n').Append(ParametersFront(report));
        text.Append('\n').Append(LatencyFronts(report));
        text.Append('\n').Append(Best(report));
        text.Append('\n').Append(Comparisons(report));
        return text.ToString();
    }

    private static string Settings(SweepReport report)
    {
        var text = new StringBuilder("## Every setting\n\n");
        text.Append(CultureInfo.InvariantCulture, $"| setting | student | recipe | seeds | owned parameters | dev {report.Metric} | 95% interval | {report.ReportedSplit} {report.Metric} | int8 file (bytes) | int8 latency (ms) | int8 {report.Metric} | on front |\n");
        text.Append("|---|---|---|---:|---:|---:|---|---:|---:|---:|---:|---|\n");
        bool oneCpu = SweepRanking.CpuModels(report.Settings).Length == 1;
        foreach (SweepSetting s in report.Settings)
        {
            string latency = string.Join("; ", s.LatencyByCpu.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => oneCpu ? Number(l.Value) : $"{Number(l.Value)} ({l.Key})"));
            string int8 = s.Int8Metric is null ? "" : $"{Number(s.Int8Metric.Mean)}{(s.Int8Split == "test" ? "" : $" ({s.Int8Split})")}";
            text.Append(CultureInfo.InvariantCulture,
                $"| {s.Name} | {s.Student} | {SweepRecipes.Name(s.Recipe)} | {s.Dev.Seeds} | {s.OwnedParameters:N0} | {Number(s.Dev.Mean)} | {Interval(s.Dev)} | {(s.Reported is null ? "" : Number(s.Reported.Mean))} | {s.Int8FileBytes:N0} | {latency} | {int8} | {Fronts(report, s)} |\n");
        }
        return text.ToString();
    }

    /// <summary>The fronts a setting is on: "parameters", "latency" (with the CPU model when there are several).</summary>
    private static string Fronts(SweepReport report, SweepSetting setting)
    {
        var on = new List<string>();
        if (report.ParametersFront.Contains(setting))
        {
            on.Add("parameters");
        }
        foreach (LatencyFront front in report.LatencyFronts.Where(f => f.Members.Contains(setting)))
        {
            on.Add(report.LatencyFronts.Count == 1 ? "latency" : $"latency ({front.CpuModel})");
        }
        return string.Join(", ", on);
    }

    private static string ParametersFront(SweepReport report)
    {
        var text = new StringBuilder("## Pareto front: dev against owned parameters\n\n");
        text.Append(CultureInfo.InvariantCulture, $"The settings no other setting beats: none is at least as accurate on dev (mean over seeds) with at most as many owned parameters, and better in one (chart: pareto-parameters.png).\n\n");
        text.Append(CultureInfo.InvariantCulture, $"| setting | owned parameters | dev {report.Metric} | 95% interval | seeds |\n|---|---:|---:|---|---:|\n");
        foreach (SweepSetting s in report.ParametersFront)
        {
            text.Append(CultureInfo.InvariantCulture, $"| {s.Name} | {s.OwnedParameters:N0} | {Number(s.Dev.Mean)} | {Interval(s.Dev)} | {s.Dev.Seeds} |\n");
        }
        return text.ToString();
    }

    private static string LatencyFronts(SweepReport report)
    {
        var text = new StringBuilder("## Pareto front: dev against int8 latency\n\n");
        if (report.LatencyFronts.Count == 0)
        {
            return text.Append("No cell measured its int8 serving cost, so there is no latency front.\n").ToString();
        }
        text.Append("Latency: the int8 ONNX model at batch 1 and the trained length, the median of each cell's timed runs, averaged over seeds (chart: pareto-latency.png). ");
        text.Append(report.LatencyFronts.Count == 1
            ? $"Measured on {report.LatencyFronts[0].CpuModel}.\n"
            : $"Measured on {report.LatencyFronts.Count} CPU models: a latency on one CPU says nothing about another, so each model has its own front and no latency is ranked across models.\n");
        foreach (LatencyFront front in report.LatencyFronts)
        {
            if (report.LatencyFronts.Count > 1)
            {
                text.Append(CultureInfo.InvariantCulture, $"\n### {front.CpuModel}\n");
            }
            text.Append(CultureInfo.InvariantCulture, $"\n| setting | int8 latency (ms) | dev {report.Metric} | 95% interval | seeds |\n|---|---:|---:|---|---:|\n");
            foreach (SweepSetting s in front.Members)
            {
                text.Append(CultureInfo.InvariantCulture, $"| {s.Name} | {Number(s.LatencyByCpu[front.CpuModel])} | {Number(s.Dev.Mean)} | {Interval(s.Dev)} | {s.Dev.Seeds} |\n");
            }
            int unmeasured = report.Settings.Count - front.Measured.Count;
            if (unmeasured > 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"\n{unmeasured} {(unmeasured == 1 ? "setting has" : "settings have")} no latency measured on {front.CpuModel} and {(unmeasured == 1 ? "is" : "are")} not weighed here.\n");
            }
        }
        return text.ToString();
    }

    private static string Best(SweepReport report)
    {
        var text = new StringBuilder("## Best within the budget\n\n");
        text.Append(Budget(report.Budget)).Append(' ');
        text.Append(CultureInfo.InvariantCulture, $"Chosen on dev {report.Metric} (the mean over seeds; ties go to fewer owned parameters, then lower latency), ");
        text.Append(CultureInfo.InvariantCulture, $"reported on {report.ReportedSplit}{(report.ReportedSplit == "test" ? ", which played no part in the choice" : " (no cell has a labelled test split)")}.\n");
        foreach (BudgetPick pick in report.Picks)
        {
            if (report.Picks.Count > 1)
            {
                text.Append(CultureInfo.InvariantCulture, $"\n### Latency on {pick.CpuModel}\n");
            }
            text.Append('\n').Append(Pick(report, pick));
        }
        return text.ToString();
    }

    private static string Pick(SweepReport report, BudgetPick pick)
    {
        var text = new StringBuilder();
        if (pick.Best is not SweepSetting best)
        {
            text.Append("**Nothing meets the budget.** Every setting is over it:\n\n| setting | over the budget because it |\n|---|---|\n");
            foreach (var (setting, why) in pick.Over)
            {
                text.Append(CultureInfo.InvariantCulture, $"| {setting.Name} | {why} |\n");
            }
            return text.ToString();
        }
        string reported = best.Reported is MeanInterval r
            ? $"{report.ReportedSplit} {report.Metric} **{Number(r.Mean)}**, 95% interval {Interval(r)} over {r.Seeds} seeds"
            : $"no {report.ReportedSplit} {report.Metric} recorded";
        text.Append(CultureInfo.InvariantCulture, $"**{best.Name}**: {reported}; dev {Number(best.Dev.Mean)} {Interval(best.Dev)}; {best.OwnedParameters:N0} owned parameters");
        if (best.Int8FileBytes is long bytes)
        {
            text.Append(CultureInfo.InvariantCulture, $", int8 file {bytes:N0} bytes");
        }
        foreach (var (cpu, ms) in best.LatencyByCpu.Where(l => pick.CpuModel is null || l.Key == pick.CpuModel).OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $", int8 latency {Number(ms)} ms on {cpu}");
        }
        if (best.Int8Metric is MeanInterval int8)
        {
            text.Append(CultureInfo.InvariantCulture, $", int8 {best.Int8Split} {report.Metric} {Number(int8.Mean)}");
        }
        text.Append(CultureInfo.InvariantCulture, $". {report.Settings.Count - pick.Over.Count} of {report.Settings.Count} settings are within the budget.\n");
        return text.ToString();
    }

    private static string Budget(SweepBudget budget)
    {
        var limits = new List<string>();
        if (budget.MaxOwnedParameters is long parameters)
        {
            limits.Add($"{parameters:N0} owned parameters");
        }
        if (budget.MaxInt8FileBytes is long bytes)
        {
            limits.Add($"an int8 file of {bytes:N0} bytes");
        }
        if (budget.MaxInt8LatencyMilliseconds is double ms)
        {
            limits.Add(string.Create(CultureInfo.InvariantCulture, $"an int8 latency of {ms} ms"));
        }
        return limits.Count == 0 ? "No budget: the best of every setting." : $"Budget: at most {string.Join(", ", limits)}.";
    }

    private static string Comparisons(SweepReport report)
    {
        var text = new StringBuilder("## Paired comparisons\n\n");
        if (report.Comparisons.Count == 0)
        {
            return text.Append(report.Picks.All(p => p.Best is null)
                ? "Nothing meets the budget, so nothing is compared.\n"
                : "The chosen setting shares no seed with another front member (or is the only one), so nothing is compared.\n").ToString();
        }
        text.Append(CultureInfo.InvariantCulture, $"The chosen setting (A) against each other front member (B) in {report.ReportedSplit} {report.Metric} ");
        text.Append("(points; A - B over the seeds both ran; 95% interval from the paired t over seeds):\n\n");
        text.Append("| A | B | seeds | mean A - B | 95% interval | A better / equal / worse |\n|---|---|---:|---:|---|---|\n");
        foreach (FrontComparison row in report.Comparisons)
        {
            PairedComparison result = row.Result;
            string interval = result.Pairs < 2 ? "n/a (one seed)" : string.Create(CultureInfo.InvariantCulture, $"[{result.Low:+0.00;-0.00}, {result.High:+0.00;-0.00}]{(result.Resolved ? "" : " (includes 0)")}");
            text.Append(CultureInfo.InvariantCulture,
                $"| {row.Best.Name} | {row.Other.Name} | {result.Pairs} | {result.MeanDifference:+0.00;-0.00} | {interval} | {result.Wins} / {result.Ties} / {result.Losses} |\n");
        }
        return text.ToString();
    }

    private static string Number(double value) => value.ToString("F2", CultureInfo.InvariantCulture);

    private static string Interval(MeanInterval value) =>
        value.Seeds < 2 ? "n/a (one seed)" : string.Create(CultureInfo.InvariantCulture, $"[{value.Low:F2}, {value.High:F2}]");
}
