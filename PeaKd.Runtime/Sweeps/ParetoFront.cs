namespace PeaKd.Sweeps;

/// <summary>A finished cell as the front weighs it.</summary>
/// <param name="Id">The cell's id (or any name).</param>
/// <param name="Accuracy">Its accuracy: higher is better.</param>
/// <param name="Parameters">Its owned parameters: fewer is better.</param>
/// <param name="LatencyMilliseconds">Its int8 latency: lower is better; null when not measured.</param>
public readonly record struct ParetoPoint(string Id, double Accuracy, long Parameters, double? LatencyMilliseconds = null);

/// <summary>The Pareto front: the points no other point beats. A point dominates another when it is at least as
/// accurate, owns at most as many parameters and is at most as slow, and is strictly better in one of them. Latency
/// counts only when every point has one (measured latencies are not compared with missing ones).</summary>
public static class ParetoFront
{
    /// <summary>The points no other point dominates, fewest parameters first (then most accurate); equal points all stay.</summary>
    /// <param name="points">The points, accuracies finite.</param>
    public static IReadOnlyList<ParetoPoint> Of(IEnumerable<ParetoPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        ParetoPoint[] all = points.ToArray();
        ParetoPoint bad = all.FirstOrDefault(p => !double.IsFinite(p.Accuracy) || p.LatencyMilliseconds is double l && !double.IsFinite(l));
        if (bad.Id is not null)
        {
            throw new ArgumentException($"Point {bad.Id} has accuracy {bad.Accuracy} and latency {bad.LatencyMilliseconds}; both must be finite numbers.", nameof(points));
        }
        bool latency = all.Length > 0 && all.All(p => p.LatencyMilliseconds is not null);
        return all.Where(p => !all.Any(q => Dominates(q, p, latency)))
            .OrderBy(p => p.Parameters).ThenByDescending(p => p.Accuracy).ToArray();
    }

    /// <summary>Whether <paramref name="a"/> is at least as good as <paramref name="b"/> in every objective and better in one.</summary>
    /// <param name="a">A point.</param>
    /// <param name="b">Another point.</param>
    /// <param name="latency">Whether latency is an objective.</param>
    internal static bool Dominates(ParetoPoint a, ParetoPoint b, bool latency)
    {
        double aLatency = latency ? a.LatencyMilliseconds!.Value : 0, bLatency = latency ? b.LatencyMilliseconds!.Value : 0;
        bool noWorse = a.Accuracy >= b.Accuracy && a.Parameters <= b.Parameters && aLatency <= bLatency;
        bool better = a.Accuracy > b.Accuracy || a.Parameters < b.Parameters || aLatency < bLatency;
        return noWorse && better;
    }
}
