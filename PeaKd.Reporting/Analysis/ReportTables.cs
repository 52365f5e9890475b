using System.Globalization;
using System.Text;
using PeaKd.Distillation;

namespace PeaKd.Reporting.Analysis;

/// <summary>results.md's tables: the results per variant, the paired comparisons and PTP's learnability.</summary>
internal static class ReportTables
{
    /// <summary>results.md: the results table, the paired comparisons and the PTP table (each only when it has rows).</summary>
    public static string Markdown(IReadOnlyList<RunInfo> runs, string split, IReadOnlyList<Comparison> comparisons, string? metric)
    {
        var text = new StringBuilder(Results(runs, split));
        string table = Comparisons(comparisons, split, metric);
        if (table.Length > 0)
        {
            text.Append('\n').Append(table);
        }
        string ptp = Ptp(runs);
        if (ptp.Length > 0)
        {
            text.Append('\n').Append(ptp);
        }
        return text.ToString();
    }

    /// <summary>One row per variant (runs equal but for the seed): mean and standard deviation of each metric, and the
    /// fastest seed's train time (the run least slowed by whatever else shared the machine, as benchmarks take the
    /// minimum). A seed run twice under one variant (a "PKD-1" run is KD-1) counts once, and a note says so.</summary>
    public static string Results(IReadOnlyList<RunInfo> runs, string split)
    {
        var text = new StringBuilder();
        var groups = Variants.Group(runs, out IReadOnlyList<string> notes);
        string[] metrics = runs.SelectMany(r => r.Metrics(split).Keys).Distinct().ToArray();
        // beside another split, the authors' measure: the best dev score over the last stage's checks (first metric)
        string? authors = split != "dev" && metrics.Length > 0 && runs.Any(r => double.IsFinite(r.BestDevOverChecks(metrics[0]))) ? metrics[0] : null;
        string authorsHeader = authors is null ? "" : $" best dev {authors} over checks |";
        text.Append($"| variant | student | parameters | depth | init | seeds | {string.Join(" | ", metrics.Select(m => $"{split} {m}"))} |{authorsHeader} train time (s, fastest seed) |\n");
        text.Append($"|---|---|---:|---:|---|---:|{string.Concat(metrics.Select(_ => "---:|"))}{(authors is null ? "" : "---:|")}---:|\n");
        foreach (IReadOnlyList<RunInfo> group in groups)
        {
            RunInfo first = group[0];
            string cells = string.Join(" | ", metrics.Select(m => MeanAndSpread(group.Select(r => r.Metrics(split).GetValueOrDefault(m, double.NaN)))));
            if (authors is not null)
            {
                cells += " | " + MeanAndSpread(group.Select(r => r.BestDevOverChecks(authors)));
            }
            text.Append(CultureInfo.InvariantCulture,
                $"| {first.Variant} | {first.Run.Model} | {first.Run.Parameters:N0} | {first.Run.EffectiveDepth} | {first.Run.InitFrom ?? ""} | {group.Count} | {cells} | {group.Min(r => r.Run.TrainingSeconds):F0} |\n");
        }
        foreach (string note in notes)
        {
            text.Append('\n').Append(note).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>"mean ± sample standard deviation" in points over the finite values; empty when there are none.</summary>
    private static string MeanAndSpread(IEnumerable<double> fractions)
    {
        double[] values = fractions.Where(double.IsFinite).ToArray();
        return values.Length == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $"{100 * values.Average():F2} ± {100 * StandardDeviation(values):F2}");
    }

    /// <summary>The paired comparisons of <paramref name="runs"/> (<see cref="Effects"/>) as results.md's table.</summary>
    public static string Comparisons(IReadOnlyList<RunInfo> runs, string split) =>
        Comparisons(Effects.Compare(runs, split, out string? metric), split, metric);

    /// <summary>The rows of <see cref="Effects.Compare"/> as results.md's table.</summary>
    public static string Comparisons(IReadOnlyList<Comparison> comparisons, string split, string? metric)
    {
        if (comparisons.Count == 0)
        {
            return "";
        }
        var text = new StringBuilder();
        text.Append($"Paired differences in {split} {metric} (points; A - B over the seeds both ran; 95% interval from the paired t over seeds; ");
        text.Append("a row over several k pools them: each seed's A - B averaged over those k, for the seeds that ran every one):\n\n");
        text.Append("| k | effect | A | B | seeds | mean A - B | 95% interval | A better / equal / worse | p (paired t, uncorrected) |\n|---:|---|---|---|---:|---:|---|---|---:|\n");
        foreach (Comparison row in comparisons)
        {
            PairedComparison result = row.Result;
            string interval = result.Pairs < 2 ? "n/a (one seed)" : string.Create(CultureInfo.InvariantCulture, $"[{result.Low:+0.00;-0.00}, {result.High:+0.00;-0.00}]{(result.Resolved ? "" : " (includes 0)")}");
            text.Append(CultureInfo.InvariantCulture,
                $"| {row.K} | {row.What} | {row.A} | {row.B} | {result.Pairs} | {result.MeanDifference:+0.00;-0.00} | {interval} | {result.Wins} / {result.Ties} / {result.Losses} | {(double.IsNaN(result.P) ? "n/a" : result.P < 0.0001 ? "< 0.0001" : result.P.ToString("F4", CultureInfo.InvariantCulture))} |\n");
        }
        string builds = Builds(comparisons);
        if (builds.Length > 0)
        {
            text.Append('\n').Append(builds).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>A warning where the runs a row rests on may not have been computed by the same code: runs of different
    /// builds (summary.json's code), within a pair or across seeds, or runs whose summaries do not say, which nothing
    /// proves match the rest. (The MKL path, also recorded, changes only last bits and is not counted.)</summary>
    private static string Builds(IReadOnlyList<Comparison> comparisons)
    {
        var mixed = comparisons.Where(c => c.Builds.Count > 1).ToList();
        int unrecorded = comparisons.Count(c => c.Builds is [null]);
        if (mixed.Count == 0 && unrecorded == 0)
        {
            return "";
        }
        var text = new StringBuilder("**Builds.** ");
        if (mixed.Count > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"{mixed.Count} of {comparisons.Count} rows rest on runs of different builds (in one pair or across seeds), or on runs that record their build beside runs that do not ");
            text.Append($"({string.Join("; ", mixed.Select(c => $"k = {c.K} {c.What}: {string.Join(", ", c.Builds.Select(b => b ?? "unrecorded"))}"))}): ");
            text.Append("nothing proves those builds compute alike; rerun the runs of one build, or check that the builds' differences cannot change a result. ");
        }
        if (unrecorded > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"{unrecorded} of {comparisons.Count} rows include runs whose summaries do not record their build (written before PeaKd recorded it), so the report cannot check that their runs were made by one build.");
        }
        return text.ToString().TrimEnd();
    }

    /// <summary>PTP's learnability per variant: thresholds, labels, and the kept encoder's dev loss (mean and range over
    /// seeds) against predicting train's label frequencies alone (a loss not below it: PTP taught nothing beyond the
    /// frequencies) and against dev's own label entropy (the best any predictor blind to the example can do on dev).</summary>
    public static string Ptp(IReadOnlyList<RunInfo> runs)
    {
        var groups = Variants.Group(runs, out _).Where(g => g[0].Run.Ptp is not null).ToList();
        if (groups.Count == 0)
        {
            return "";
        }
        var text = new StringBuilder("PTP (means over seeds, and the best dev loss's range; losses in nats on dev's PTP labels):\n\n");
        text.Append("| variant | seeds | t1 | t2 | train labels (RC / RU / WC / WU) | best dev loss | range over seeds | train frequencies' dev loss | dev label entropy | below train frequencies (seeds) | below dev entropy (seeds) |\n");
        text.Append("|---|---:|---:|---:|---|---:|---|---:|---:|---:|---:|\n");
        foreach (var group in groups)
        {
            PtpStageResult[] ptp = group.Select(r => r.Run.Ptp!).ToArray();
            string counts = string.Join(" / ", Enumerable.Range(0, ptp.Max(p => p.TrainLabelCounts.Count)).Select(c => ptp.Average(p => c < p.TrainLabelCounts.Count ? p.TrainLabelCounts[c] : 0).ToString("F0", CultureInfo.InvariantCulture)));
            text.Append(CultureInfo.InvariantCulture,
                $"| {group[0].Variant} | {group.Count} | {ptp.Average(p => p.T1):F3} | {ptp.Average(p => p.T2):F3} | {counts} | {ptp.Average(p => Best(p)):F4} | {Range()} | {ptp.Average(p => p.DevPriorLoss):F4} | {ptp.Average(p => p.DevPriorEntropy):F4} | {Below(p => p.DevPriorLoss)} | {Below(p => p.DevPriorEntropy)} |\n");

            // n/a where an older summary lacks a figure (Min would give NaN, Max would skip it)
            string Range() => ptp.All(p => double.IsFinite(Best(p)))
                ? string.Create(CultureInfo.InvariantCulture, $"{ptp.Min(p => Best(p)):F4} to {ptp.Max(p => Best(p)):F4}") : "n/a";
            // seeds whose best dev loss is below the reference
            string Below(Func<PtpStageResult, double> reference) => ptp.All(p => double.IsFinite(Best(p)) && double.IsFinite(reference(p)))
                ? $"{ptp.Count(p => Best(p) < reference(p))} of {ptp.Length}" : "n/a";
        }
        return text.ToString();

        static double Best(PtpStageResult ptp) => ptp.BestDevLoss ?? double.NaN; // older summaries did not record it
    }

    /// <summary>The sample standard deviation (n - 1); 0 for a single run.</summary>
    public static double StandardDeviation(IReadOnlyList<double> values)
    {
        if (values.Count < 2)
        {
            return 0;
        }
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
    }
}
