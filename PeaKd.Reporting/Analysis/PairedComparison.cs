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
internal sealed record PairedComparison(int Pairs, double MeanDifference, double Low, double High, int Wins, int Ties, int Losses)
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
        double low = double.NaN, high = double.NaN;
        if (n >= 2)
        {
            double variance = differences.Sum(d => (d - mean) * (d - mean)) / (n - 1);
            double half = StudentT975(n - 1) * Math.Sqrt(variance / n);
            (low, high) = (mean - half, mean + half);
        }
        return new PairedComparison(n, mean, low, high, differences.Count(d => d > 0), differences.Count(d => d == 0), differences.Count(d => d < 0));
    }

    /// <summary>The 97.5% quantile of Student's t with <paramref name="degrees"/> degrees of freedom: tabulated to
    /// 30 (three decimals, as statistics tables give it), then the Cornish-Fisher expansion around the normal quantile,
    /// within 0.001 of the exact value from 31 on.</summary>
    public static double StudentT975(int degrees)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(degrees, 1);
        if (degrees <= Table.Length)
        {
            return Table[degrees - 1];
        }
        const double z = 1.959963984540054;
        double v = degrees;
        return z + (z * z * z + z) / (4 * v) + (5 * Math.Pow(z, 5) + 16 * z * z * z + 3 * z) / (96 * v * v)
            + (3 * Math.Pow(z, 7) + 19 * Math.Pow(z, 5) + 17 * z * z * z - 15 * z) / (384 * v * v * v);
    }

    private static readonly double[] Table =
    [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
        2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];
}
