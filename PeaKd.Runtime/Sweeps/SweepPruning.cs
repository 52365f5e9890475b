using System.Globalization;
using PeaKd.Data.Metrics;

namespace PeaKd.Sweeps;

/// <summary>
/// The rule <see cref="SweepOptions.Prune"/> turns on: a cell is skipped at its start when the finished cells show it
/// cannot count. A cell's costs are known before it trains: its owned parameters from its plan, and its int8 file size
/// and latency from a finished cell of the same student (the same weights' shapes; for latency, the same max length
/// measured on this CPU model). It cannot count when:
/// <list type="number">
/// <item>those costs are over the budget's <see cref="SweepBudget.MaxInt8FileBytes"/> or
/// <see cref="SweepBudget.MaxInt8LatencyMilliseconds"/>: it could never be chosen within the budget; or</item>
/// <item>a finished cell of another setting is at least as small and as fast and scored above the teacher on dev (the
/// task's first metric): assuming no student beats its teacher on dev, it could never reach the Pareto front.</item>
/// </list>
/// A cost no finished cell has measured yet judges nothing, so the first seed of every setting always runs, and a
/// setting's seeds that ran before its cost was known stay. Pure: the same inputs give the same answer.
/// </summary>
internal static class SweepPruning
{
    /// <summary>Why <paramref name="cell"/> cannot count, or null when it may.</summary>
    /// <param name="budget">The sweep's budget.</param>
    /// <param name="cell">The cell about to start.</param>
    /// <param name="finished">The sweep's finished results.</param>
    /// <param name="teacherDev">The teacher's dev metrics (from a finished cell's run); null when none is known, which
    /// turns the second clause off.</param>
    /// <param name="cpuModel">The CPU model this cell's latency would be measured on.</param>
    public static string? Reason(SweepBudget budget, SweepCell cell, IReadOnlyList<SweepCellResult> finished, SplitMetrics? teacherDev, string cpuModel)
    {
        SweepCellResult[] sameStudent = finished.Where(r => r.Student == cell.Student.Name && r.Serving is not null).ToArray();
        // the smallest measured of each: the cell is judged by the cheapest its student has been
        SweepCellResult? smallest = sameStudent.MinBy(r => r.Serving!.Int8FileBytes);
        SweepCellResult? fastest = sameStudent.Where(r => r.Serving!.CpuModel == cpuModel && r.Serving.Length == cell.Options.MaxLength)
            .MinBy(r => r.Serving!.LatencyMilliseconds);
        if (smallest is not null && budget.MaxInt8FileBytes is long bytes && smallest.Serving!.Int8FileBytes > bytes)
        {
            return $"its student's int8 file is {smallest.Serving.Int8FileBytes:N0} bytes (measured by cell {smallest.Id}), over the budget's {bytes:N0}";
        }
        if (fastest is not null && budget.MaxInt8LatencyMilliseconds is double milliseconds && fastest.Serving!.LatencyMilliseconds > milliseconds)
        {
            return $"its student's int8 latency at length {cell.Options.MaxLength} is {Ms(fastest.Serving.LatencyMilliseconds)} ms on {cpuModel} (measured by cell {fastest.Id}), over the budget's {Ms(milliseconds)} ms";
        }
        if (teacherDev is null || teacherDev.ByName.Count == 0 || smallest is null || fastest is null)
        {
            return null;
        }
        (string metric, double ceiling) = teacherDev.ByName.First();
        SweepCellResult? better = finished.FirstOrDefault(r => Setting(r) != Setting(cell) && r.Serving is { } serving
            && r.OwnedParameters <= cell.OwnedParameters && serving.Int8FileBytes <= smallest.Serving!.Int8FileBytes
            && serving.CpuModel == cpuModel && serving.LatencyMilliseconds <= fastest.Serving!.LatencyMilliseconds
            && r.Metrics.TryGetValue("dev", out SplitMetrics? dev) && dev.ByName.TryGetValue(metric, out double score) && score > ceiling);
        return better is null ? null
            : $"cell {better.Id} ({better.Student}) is as small and as fast and scored {better.Metrics["dev"].ByName[metric].ToString("0.####", CultureInfo.InvariantCulture)} dev {metric}, above the teacher's {ceiling.ToString("0.####", CultureInfo.InvariantCulture)}, the most a student is assumed to reach";
    }

    private static string Ms(double milliseconds) => milliseconds.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>A setting: the cell less its seed.</summary>
    private static string Setting(SweepCellResult result) => SweepCell.Canonical(result.Student, result.Recipe, result.Settings, seed: 0);

    private static string Setting(SweepCell cell) => SweepCell.Canonical(cell.Student.Name, cell.Recipe, cell.Settings, seed: 0);
}
