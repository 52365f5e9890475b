using PeaKd.Reporting.Analysis;
using PeaKd.Sweeps;

namespace PeaKd.Reporting.Sweeps;

/// <summary>
/// The finished cells of one setting (student, recipe and axes' values) over their seeds, as the sweep report weighs
/// them: the metric's mean and interval over seeds, in points (x 100, as the results table shows metrics), and the
/// serving cost. Latency is kept per CPU model, since latencies of different CPUs are not comparable.
/// </summary>
/// <param name="Name">"Bert2 kd", with the axes' values that not every cell shares: "Bert2 kd (kd_epochs=3)".</param>
/// <param name="BySeed">The cells by seed.</param>
/// <param name="Dev">The metric on dev over the seeds.</param>
/// <param name="Reported">The metric on the reported split (test; dev where no cell has a labelled test split), over
/// the seeds that have it; null when none does.</param>
/// <param name="Int8FileBytes">The int8 ONNX file's size (the largest over seeds); null when no seed measured it.</param>
/// <param name="LatencyByCpu">The int8 latency in milliseconds per CPU model: the mean over that model's seeds of
/// each seed's median.</param>
/// <param name="Int8Metric">The int8 model's metric (points) over the seeds that measured it; null when none did.</param>
/// <param name="Int8Split">The split the int8 metric was scored on (test, or dev without a labelled test split).</param>
internal sealed record SweepSetting(string Name, IReadOnlyDictionary<int, SweepCellResult> BySeed, MeanInterval Dev, MeanInterval? Reported,
    long? Int8FileBytes, IReadOnlyDictionary<string, double> LatencyByCpu, MeanInterval? Int8Metric, string? Int8Split)
{
    private SweepCellResult First => BySeed.Values.First();

    public string Student => First.Student;
    public SweepRecipe Recipe => First.Recipe;
    public IReadOnlyDictionary<string, string> Settings => First.Settings;
    public long OwnedParameters => First.OwnedParameters;

    /// <summary>The cells grouped into settings, fewest parameters first (then by name); each setting's values of
    /// <paramref name="metric"/> in points.</summary>
    public static IReadOnlyList<SweepSetting> Group(IReadOnlyList<SweepCellResult> cells, string metric, string reportedSplit)
    {
        IReadOnlySet<string> shared = Shared(cells).Keys.ToHashSet(StringComparer.Ordinal);
        return cells.GroupBy(Key, StringComparer.Ordinal)
            .Select(g => Of(g.OrderBy(c => c.Seed).ToArray(), metric, reportedSplit, shared))
            .OrderBy(s => s.OwnedParameters).ThenBy(s => s.Name, StringComparer.Ordinal).ToArray();
    }

    /// <summary>The axes' values every cell has alike (a sweep's fixed settings): said once, left out of the names.</summary>
    public static IReadOnlyDictionary<string, string> Shared(IReadOnlyList<SweepCellResult> cells) =>
        cells[0].Settings.Where(s => cells.All(c => c.Settings.TryGetValue(s.Key, out string? value) && value == s.Value))
            .OrderBy(s => s.Key, StringComparer.Ordinal).ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal);

    /// <summary>What the seeds of a setting share: everything a cell's id is made of but the seed.</summary>
    private static string Key(SweepCellResult cell) =>
        $"{cell.Student}\n{cell.Recipe}\n{string.Join("\n", cell.Settings.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}={s.Value}"))}";

    private static SweepSetting Of(SweepCellResult[] cells, string metric, string reportedSplit, IReadOnlySet<string> shared)
    {
        SweepCellResult first = cells[0];
        string axes = string.Join(", ", first.Settings.Where(s => !shared.Contains(s.Key)).OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}={s.Value}"));
        string name = $"{first.Student} {SweepRecipes.Name(first.Recipe)}{(axes.Length == 0 ? "" : $" ({axes})")}";
        ServingCost[] serving = cells.Select(c => c.Serving).OfType<ServingCost>().ToArray();
        var latency = serving.GroupBy(s => s.CpuModel, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Average(s => s.LatencyMilliseconds), StringComparer.Ordinal);
        double[] int8 = serving.Select(s => Points(s.Int8Metrics.ByName, metric)).Where(double.IsFinite).ToArray();
        string[] int8Splits = serving.Select(s => s.Int8Split).Distinct(StringComparer.Ordinal).ToArray();
        return new SweepSetting(name, cells.ToDictionary(c => c.Seed),
            MeanInterval.Of(cells.Select(c => Points(c, "dev", metric)).ToArray()),
            Interval(cells.Select(c => Points(c, reportedSplit, metric))),
            serving.Length == 0 ? null : serving.Max(s => s.Int8FileBytes),
            latency,
            int8.Length == 0 ? null : MeanInterval.Of(int8),
            int8Splits.Length == 0 ? null : string.Join("/", int8Splits));
    }

    /// <summary>A cell's <paramref name="metric"/> on <paramref name="split"/> in points; NaN when it has none.</summary>
    public static double Points(SweepCellResult cell, string split, string metric) =>
        cell.Metrics.TryGetValue(split, out var metrics) ? Points(metrics.ByName, metric) : double.NaN;

    private static double Points(IReadOnlyDictionary<string, double> metrics, string metric) =>
        metrics.TryGetValue(metric, out double value) ? 100 * value : double.NaN;

    private static MeanInterval? Interval(IEnumerable<double> values)
    {
        double[] finite = values.Where(double.IsFinite).ToArray();
        return finite.Length == 0 ? null : MeanInterval.Of(finite);
    }
}
