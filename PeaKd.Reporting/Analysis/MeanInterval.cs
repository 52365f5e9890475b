namespace PeaKd.Reporting.Analysis;

/// <summary>
/// A mean over seeds with its 95% confidence interval from the t distribution (<c>mean ± t(0.975, n - 1) * sd / sqrt(n)</c>,
/// the same quantile and sample standard deviation as <see cref="PairedComparison"/> and the results table use). Seeds
/// are the unit of replication: the interval covers run-to-run noise, not the sampling of the evaluation set.
/// </summary>
/// <param name="Seeds">The values the mean is over.</param>
/// <param name="Mean">Their mean.</param>
/// <param name="Low">The interval's lower end (NaN with fewer than 2 values).</param>
/// <param name="High">Its upper end.</param>
internal sealed record MeanInterval(int Seeds, double Mean, double Low, double High)
{
    /// <summary>Half the interval's width (0 with fewer than 2 values: a chart draws no bar).</summary>
    public double HalfWidth => Seeds >= 2 ? (High - Low) / 2 : 0;

    /// <summary>The mean and interval of <paramref name="values"/> (at least one, all finite).</summary>
    public static MeanInterval Of(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            throw new ArgumentException("A mean needs at least one value.", nameof(values));
        }
        double mean = values.Average();
        if (values.Count < 2)
        {
            return new MeanInterval(1, mean, double.NaN, double.NaN);
        }
        double half = PairedComparison.StudentT975(values.Count - 1) * ReportTables.StandardDeviation(values) / Math.Sqrt(values.Count);
        return new MeanInterval(values.Count, mean, mean - half, mean + half);
    }
}
