namespace PeaKd.Reporting.Analysis;

/// <summary>
/// How much method A beats method B over paired runs (the same seed, so the same data order and fresh weights): the
/// mean of the per-seed differences A - B, its 95% confidence interval from the paired t distribution over seeds
/// (<c>mean ± t(0.975, n - 1) * sd / sqrt(n)</c>), and a sign count. Seeds are the unit of replication: the interval
/// covers run-to-run noise, not the sampling of the test set.
/// </summary>
/// <param name="Pairs">The number of paired seeds.</param>
/// <param name="MeanDifference">The mean of A - B.</param>
/// <param name="Low">The 95% interval's lower end (NaN with fewer than 2 pairs).</param>
/// <param name="High">Its upper end.</param>
/// <param name="Wins">Seeds where A beat B.</param>
/// <param name="Ties">Seeds where they were equal.</param>
/// <param name="Losses">Seeds where B beat A.</param>
/// <param name="P">The two-sided p value of the paired t test of a zero mean difference (NaN with fewer than 2 pairs; 0
/// when every pair differs by the same nonzero amount, 1 when every difference is 0).</param>
internal sealed record PairedComparison(int Pairs, double MeanDifference, double Low, double High, int Wins, int Ties, int Losses, double P)
{
    /// <summary>Whether the interval lies wholly above 0 (A better) or below it (B better): a difference the seeds resolve.</summary>
    public bool Resolved => Low > 0 || High < 0;

    /// <summary>Compares the paired values <c>(A, B)</c>, one pair per seed.</summary>
    public static PairedComparison Of(IReadOnlyList<(double A, double B)> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        if (pairs.Count == 0)
        {
            throw new ArgumentException("A paired comparison needs at least one pair.", nameof(pairs));
        }
        double[] differences = pairs.Select(p => p.A - p.B).ToArray();
        int n = differences.Length;
        double mean = differences.Average();
        double low = double.NaN, high = double.NaN, p = double.NaN;
        if (n >= 2)
        {
            double variance = differences.Sum(d => (d - mean) * (d - mean)) / (n - 1);
            double standardError = Math.Sqrt(variance / n);
            double half = StudentT975(n - 1) * standardError;
            (low, high) = (mean - half, mean + half);
            p = standardError > 0 ? StudentT.TwoSidedP(mean / standardError, n - 1) : mean == 0 ? 1 : 0;
        }
        return new PairedComparison(n, mean, low, high, differences.Count(d => d > 0), differences.Count(d => d == 0), differences.Count(d => d < 0), p);
    }

    /// <summary>The 97.5% quantile of Student's t with <paramref name="degrees"/> degrees of freedom, exactly
    /// (<see cref="StudentT"/>).</summary>
    public static double StudentT975(int degrees)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(degrees, 1);
        return StudentT.Quantile(0.975, degrees);
    }
}
