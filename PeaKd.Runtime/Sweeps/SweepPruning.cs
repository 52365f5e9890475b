using System.Globalization;
using PeaKd.Data.Metrics;

namespace PeaKd.Sweeps;

/// <summary>
/// The rule <see cref="SweepOptions.Prune"/> turns on: a cell that has not started is skipped when the finished cells
/// of the plan show it cannot count. A cell's costs are known before it trains: its owned parameters from its plan, its
/// int8 file size from a finished cell of the same student (the same weights' shapes), and its int8 latency from one at
/// the same max length, per CPU model. It cannot count when:
/// <list type="number">
/// <item>its size, or its latency on every CPU model its student was measured on, is over the budget's
/// <see cref="SweepBudget.MaxInt8FileBytes"/> or <see cref="SweepBudget.MaxInt8LatencyMilliseconds"/>: it could never be
/// chosen within the budget; or</item>
/// <item>another setting, every planned seed finished, owns at most as many parameters, has an int8 file at most as
/// large and is at most as fast on each CPU model the cell's student was measured on, and its worst seed scored above
/// the teacher on dev (the task's first metric, the teacher scored at the cell's length) and above the cell's own
/// setting's best finished seed: assuming no student beats its teacher on dev, the cell's setting could never reach the
/// Pareto front.</item>
/// </list>
/// A cost nothing has measured judges nothing. Pure: the same inputs give the same answer.
/// </summary>
internal static class SweepPruning
{
    /// <summary>Why <paramref name="cell"/> cannot count, or null when it may.</summary>
    /// <param name="budget">The sweep's budget.</param>
    /// <param name="cell">The cell about to start for the first time.</param>
    /// <param name="planned">Every cell of the sweep's plan (a setting's seeds).</param>
    /// <param name="finished">The finished results of planned cells.</param>
    /// <param name="teacherDev">The teacher's dev metrics at the cell's max length; null when unknown, which turns the
    /// second clause off.</param>
    public static string? Reason(SweepBudget budget, SweepCell cell, IReadOnlyList<SweepCell> planned, IReadOnlyList<SweepCellResult> finished, SplitMetrics? teacherDev)
    {
        SweepCellResult[] measured = finished.Where(r => r.Student == cell.Student.Name && r.Serving is not null).ToArray();
        long? bytes = measured.Length == 0 ? null : measured.Min(r => r.Serving!.Int8FileBytes); // the cheapest its student has been
        Dictionary<string, double> latency = measured.Where(r => r.Serving!.Length == cell.Options.MaxLength)
            .GroupBy(r => r.Serving!.CpuModel).ToDictionary(g => g.Key, g => g.Min(r => r.Serving!.LatencyMilliseconds));
        if (bytes is long size && budget.MaxInt8FileBytes is long mostBytes && size > mostBytes)
        {
            return $"its student's int8 file is {Count(size)} bytes (measured by cell {measured.First(r => r.Serving!.Int8FileBytes == size).Id}), over the budget's {Count(mostBytes)}";
        }
        if (latency.Count > 0 && budget.MaxInt8LatencyMilliseconds is double mostMs && latency.Values.All(ms => ms > mostMs))
        {
            return $"its student's int8 latency at length {cell.Options.MaxLength} is {string.Join(", ", latency.Select(l => $"{Ms(l.Value)} ms on {l.Key}"))}, over the budget's {Ms(mostMs)} ms";
        }
        return bytes is long known && latency.Count > 0 && teacherDev is { ByName.Count: > 0 }
            ? Beaten(cell, planned, finished, teacherDev, known, latency) : null;
    }

    /// <summary>The second clause: a fully finished setting beating the cell's on every cost and, at its worst seed,
    /// above both the teacher and the cell's setting's best.</summary>
    private static string? Beaten(SweepCell cell, IReadOnlyList<SweepCell> planned, IReadOnlyList<SweepCellResult> finished, SplitMetrics teacherDev,
        long bytes, Dictionary<string, double> latency)
    {
        (string metric, double ceiling) = teacherDev.ByName.First();
        double Dev(SweepCellResult r) => r.Metrics.TryGetValue("dev", out SplitMetrics? dev) && dev.ByName.TryGetValue(metric, out double score) ? score : double.NaN;
        string own = Setting(cell);
        double bar = Math.Max(ceiling, finished.Where(r => Setting(r) == own).Select(Dev).Where(double.IsFinite).DefaultIfEmpty(double.NegativeInfinity).Max());
        foreach (IGrouping<string, SweepCellResult> other in finished.GroupBy(Setting).Where(g => g.Key != own))
        {
            SweepCellResult[] seeds = other.ToArray();
            bool complete = seeds.Length == planned.Count(c => Setting(c) == other.Key);
            bool cheaper = seeds.All(r => r.Serving is { } s && r.OwnedParameters <= cell.OwnedParameters && s.Int8FileBytes <= bytes)
                && latency.All(l => seeds.Any(r => r.Serving!.CpuModel == l.Key && r.Serving.Length == cell.Options.MaxLength)
                    && seeds.Where(r => r.Serving!.CpuModel == l.Key && r.Serving.Length == cell.Options.MaxLength).Max(r => r.Serving!.LatencyMilliseconds) <= l.Value);
            double worst = seeds.Select(Dev).Min();
            if (complete && cheaper && worst > bar)
            {
                return $"setting {seeds[0].Student} {Settings(seeds[0])} is as small and as fast, and every seed of it scored at least {Score(worst)} dev {metric}, above the teacher's {Score(ceiling)} (the most a student is assumed to reach) and this setting's best so far";
            }
        }
        return null;
    }

    private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Ms(double milliseconds) => milliseconds.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Score(double score) => score.ToString("0.####", CultureInfo.InvariantCulture);

    private static string Settings(SweepCellResult result) =>
        $"({result.Recipe.ToString().ToLowerInvariant()}{string.Concat(result.Settings.Select(s => $", {s.Key}={s.Value}"))})";

    /// <summary>A setting: the cell less its seed.</summary>
    private static string Setting(SweepCellResult result) => SweepCell.Canonical(result.Student, result.Recipe, result.Settings, seed: 0);

    private static string Setting(SweepCell cell) => SweepCell.Canonical(cell.Student.Name, cell.Recipe, cell.Settings, seed: 0);
}
