using PeaKd.IO;
using PeaKd.Sweeps;

namespace PeaKd.Reporting.Sweeps;

/// <summary>
/// A report over a sweep's finished cells (its folder's results/ID.json): every setting (student, recipe, axes; seeds
/// averaged) with its dev metric's mean and 95% interval over seeds and its serving cost; the Pareto fronts of dev
/// metric against owned parameters and against int8 latency (one front per CPU model: latencies of different CPUs are
/// never ranked together); the best setting within a budget, chosen on dev and reported on test; and paired
/// comparisons by seed between it and the other front members. Written as sweep-report.md, pareto-parameters.png and
/// pareto-latency.png.
/// </summary>
public sealed class SweepReport
{
    private SweepReport(string folder, IReadOnlyList<SweepCellResult> cells, SweepBudget budget, string metric, string reportedSplit)
    {
        Folder = folder;
        Cells = cells;
        Budget = budget;
        Metric = metric;
        ReportedSplit = reportedSplit;
        Settings = SweepSetting.Group(cells, metric, reportedSplit);
        ParametersFront = SweepRanking.ParametersFront(Settings);
        LatencyFronts = SweepRanking.LatencyFronts(Settings);
        Picks = SweepRanking.Picks(Settings, budget);
        var members = ParametersFront.Concat(LatencyFronts.SelectMany(f => f.Members)).ToArray();
        Comparisons = Picks.Select(p => p.Best).OfType<SweepSetting>().DistinctBy(b => b.Name)
            .SelectMany(best => SweepRanking.Compare(best, members, reportedSplit, metric)).ToArray();
    }

    internal string Folder { get; }
    internal IReadOnlyList<SweepCellResult> Cells { get; }
    internal SweepBudget Budget { get; }

    /// <summary>The task's first metric (the one a best checkpoint is chosen by, and results.md compares).</summary>
    internal string Metric { get; }

    /// <summary>The split the pick is reported on: test, or dev where no cell has a labelled test split.</summary>
    internal string ReportedSplit { get; }

    internal IReadOnlyList<SweepSetting> Settings { get; }
    internal IReadOnlyList<SweepSetting> ParametersFront { get; }
    internal IReadOnlyList<LatencyFront> LatencyFronts { get; }
    internal IReadOnlyList<BudgetPick> Picks { get; }
    internal IReadOnlyList<FrontComparison> Comparisons { get; }

    /// <summary>Reads every finished cell of the sweep in <paramref name="sweepFolder"/> (its results/*.json) and
    /// weighs them against <paramref name="budget"/>. A damaged or edited result is a <see cref="CorruptFileException"/>
    /// naming it; results of different sweeps or PeaKd versions, or with different first dev metrics, are an
    /// <see cref="InvalidDataException"/> naming a file of each; no result at all is an <see cref="ArgumentException"/>.
    /// What a reader should know (latencies from several CPU models, cells without a serving measurement) goes to
    /// <paramref name="note"/>.</summary>
    /// <param name="sweepFolder">The sweep's folder (<see cref="SweepOptions.Folder"/>).</param>
    /// <param name="budget">The budget the best setting must meet (<see cref="SweepOptions.Budget"/>).</param>
    /// <param name="note">Receives notes for the reader.</param>
    /// <param name="planned">The ids of the cells the sweep plans now; results of others (a student or a value taken out
    /// of the spec) are left out and counted in a note. Null: every result.</param>
    public static SweepReport Read(string sweepFolder, SweepBudget budget, Action<string> note, IReadOnlyCollection<string>? planned = null)
    {
        ArgumentNullException.ThrowIfNull(sweepFolder);
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentNullException.ThrowIfNull(note);
        string results = Path.Combine(sweepFolder, "results");
        string[] files = Directory.Exists(results)
            ? Directory.GetFiles(results, "*.json").Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal).ToArray()
            : [];
        if (files.Length == 0)
        {
            throw new ArgumentException($"{results}: no finished cell (a results/ID.json is written when a cell finishes); run the sweep's cells first.");
        }
        if (planned is not null)
        {
            var plannedIds = planned.ToHashSet(StringComparer.Ordinal);
            string[] unplanned = files.Where(f => !plannedIds.Contains(Path.GetFileNameWithoutExtension(f))).ToArray();
            if (unplanned.Length > 0)
            {
                note($"{unplanned.Length} finished cells are no longer in the sweep's plan (a student, recipe or value taken out of the spec) and are left out of the report.");
            }
            files = files.Except(unplanned).ToArray();
            if (files.Length == 0)
            {
                throw new ArgumentException($"{results}: no finished cell of the sweep as planned now; run its cells first.");
            }
        }
        var cells = files.Select(f => (File: f, Cell: SweepCellResult.Read(f))).ToArray();
        OneOf(cells, c => c.Sweep, "sweeps", "the teacher and data a sweep's cells share; report each sweep's folder apart");
        OneOf(cells, c => c.Code, "builds (code)", "cells of one report must come from one build to be compared; run the others again with this build, or report them apart");
        string metric = FirstDevMetric(cells);
        string reported = cells.Any(c => c.Cell.Metrics.TryGetValue("test", out var test) && test.ByName.ContainsKey(metric)) ? "test" : "dev";
        var report = new SweepReport(sweepFolder, cells.Select(c => c.Cell).ToArray(), budget, metric, reported);
        foreach (string line in report.Notes())
        {
            note(line);
        }
        return report;
    }

    /// <summary>Writes sweep-report.md, pareto-parameters.png and pareto-latency.png (when some cell measured its
    /// latency) into <paramref name="outputFolder"/>, and returns sweep-report.md's text.</summary>
    /// <param name="outputFolder">Where the report goes; created when missing.</param>
    public string Write(string outputFolder)
    {
        ArgumentNullException.ThrowIfNull(outputFolder);
        Directory.CreateDirectory(outputFolder);
        SweepCharts.Write(this, outputFolder);
        string markdown = SweepTables.Markdown(this);
        AtomicFile.WriteAllText(Path.Combine(outputFolder, "sweep-report.md"), markdown); // a report being rewritten is never half there
        return markdown;
    }

    /// <summary>What the report's reader should know beyond its tables.</summary>
    internal IEnumerable<string> Notes()
    {
        string[] models = SweepRanking.CpuModels(Settings);
        if (models.Length > 1)
        {
            yield return $"note: latencies were measured on {models.Length} CPU models ({string.Join("; ", models)}); they are not ranked across models: each has its own latency front{(Budget.MaxInt8LatencyMilliseconds is null ? "" : " and its own pick within the budget")}.";
        }
        int unmeasured = Cells.Count(c => c.Serving is null);
        if (unmeasured > 0)
        {
            yield return $"note: {unmeasured} of {Cells.Count} cells have no int8 serving measurement; their settings are on no latency front{(Budget.MaxInt8FileBytes is null && Budget.MaxInt8LatencyMilliseconds is null ? "" : " and do not meet an int8 limit")}.";
        }
        int untested = Cells.Count(c => double.IsNaN(SweepSetting.Points(c, ReportedSplit, Metric)));
        if (ReportedSplit == "test" && untested > 0)
        {
            yield return $"note: {untested} of {Cells.Count} cells have no test {Metric}; test means are over the seeds that have it.";
        }
    }

    /// <summary>Refuses cells that differ in <paramref name="of"/>, naming a file of each of the first two values.</summary>
    private static void OneOf((string File, SweepCellResult Cell)[] cells, Func<SweepCellResult, string> of, string what, string why)
    {
        var values = cells.GroupBy(c => of(c.Cell), StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToArray();
        if (values.Length > 1)
        {
            throw new InvalidDataException($"{Path.GetDirectoryName(cells[0].File)}: results of {values.Length} {what}: {string.Join("; ", values.Select(v => $"'{v.Key}' in {Path.GetFileName(v.First().File)} ({v.Count()} cells)"))}; {why}.");
        }
    }

    /// <summary>The task's first dev metric, which every cell must have first.</summary>
    private static string FirstDevMetric((string File, SweepCellResult Cell)[] cells)
    {
        string? First((string File, SweepCellResult Cell) c) =>
            c.Cell.Metrics.TryGetValue("dev", out var dev) && dev.ByName.Count > 0 ? dev.ByName.Keys.First() : null;
        var missing = cells.FirstOrDefault(c => First(c) is null);
        if (missing.File is not null)
        {
            throw new InvalidDataException($"{missing.File}: has no dev metrics; a sweep chooses its student on dev, so every finished cell records them.");
        }
        string metric = First(cells[0])!;
        var other = cells.FirstOrDefault(c => First(c) != metric);
        if (other.File is not null)
        {
            throw new InvalidDataException($"{other.File}: its first dev metric is {First(other)}, but {cells[0].File}'s is {metric}; cells of one task score the same metrics.");
        }
        return metric;
    }
}
