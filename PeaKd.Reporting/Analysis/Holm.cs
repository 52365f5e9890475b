namespace PeaKd.Reporting.Analysis;

/// <summary>
/// Holm's step-down correction for a family of tests: sort the p values, compare the i-th smallest (1-based) with
/// alpha / (m - i + 1), and reject until the first that fails. Its adjusted p values, max over j &lt;= i of
/// min(1, (m - j + 1) p_(j)), reject exactly the same hypotheses at any alpha. Controls the family-wise error rate
/// under any dependence between the tests.
/// </summary>
internal static class Holm
{
    /// <summary>The adjusted p values, in the order of <paramref name="p"/>.</summary>
    public static double[] Adjust(IReadOnlyList<double> p)
    {
        ArgumentNullException.ThrowIfNull(p);
        if (p.Any(v => !(v >= 0 && v <= 1)))
        {
            throw new ArgumentException($"p values must lie in [0, 1]; got {string.Join(", ", p)}.", nameof(p));
        }
        int m = p.Count;
        int[] order = Enumerable.Range(0, m).OrderBy(i => p[i]).ToArray();
        var adjusted = new double[m];
        double running = 0;
        for (int rank = 0; rank < m; rank++)
        {
            running = Math.Max(running, Math.Min(1, (m - rank) * p[order[rank]]));
            adjusted[order[rank]] = running;
        }
        return adjusted;
    }
}
