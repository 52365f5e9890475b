namespace PeaKd.Reporting.Analysis;

/// <summary>
/// Student's t distribution, exactly (to double precision, not to a table's three decimals): its distribution function
/// from the regularized incomplete beta function, P(T &lt;= t) = 1 - I_x(v/2, 1/2) / 2 for t &gt; 0 with
/// x = v / (v + t^2), evaluated by its continued fraction; quantiles by bisection on it.
/// </summary>
internal static class StudentT
{
    /// <summary>P(T &lt;= t) with <paramref name="degrees"/> degrees of freedom.</summary>
    public static double Cdf(double t, double degrees)
    {
        double tail = UpperTail(Math.Abs(t), degrees); // P(T > |t|)
        return t >= 0 ? 1 - tail : tail;
    }

    /// <summary>The two-sided p value of a t statistic: P(|T| &gt;= |t|).</summary>
    public static double TwoSidedP(double t, double degrees) => 2 * UpperTail(Math.Abs(t), degrees);

    /// <summary>The <paramref name="probability"/> quantile: the t with P(T &lt;= t) = probability. Searched on the
    /// tail probability itself, so a small tail keeps its precision.</summary>
    public static double Quantile(double probability, double degrees)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(probability, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(probability, 1);
        double tail = Math.Min(probability, 1 - probability);
        double low = 0, high = 1;
        while (UpperTail(high, degrees) > tail) high *= 2;
        for (int i = 0; i < 200 && high - low > 1e-15 * high; i++)
        {
            double middle = (low + high) / 2;
            if (UpperTail(middle, degrees) > tail) low = middle;
            else high = middle;
        }
        double t = (low + high) / 2;
        return probability < 0.5 ? -t : t;
    }

    /// <summary>P(T &gt; t) for t &gt;= 0: I_x(v/2, 1/2) / 2 with x = v / (v + t^2), its complement t^2 / (v + t^2)
    /// computed directly rather than as 1 - x, which would lose the digits of a small t.</summary>
    private static double UpperTail(double t, double degrees)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(degrees, 0);
        double denominator = degrees + t * t;
        return 0.5 * RegularizedBeta(degrees / denominator, t * t / denominator, degrees / 2, 0.5);
    }

    /// <summary>I_x(a, b), the regularized incomplete beta function, given x and its complement 1 - x.</summary>
    internal static double RegularizedBeta(double x, double complement, double a, double b)
    {
        if (x <= 0) return 0;
        if (complement <= 0) return 1;
        double front = Math.Exp(LogGamma(a + b) - LogGamma(a) - LogGamma(b) + a * Math.Log(x) + b * Math.Log(complement));
        // The continued fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry I_x(a, b) = 1 - I_1-x(b, a) beyond.
        return x < (a + 1) / (a + b + 2)
            ? front * BetaFraction(x, a, b) / a
            : 1 - front * BetaFraction(complement, b, a) / b;
    }

    /// <summary>The incomplete beta function's continued fraction, by the modified Lentz method.</summary>
    private static double BetaFraction(double x, double a, double b)
    {
        const double tiny = 1e-300;
        double c = 1, d = 1 - (a + b) * x / (a + 1);
        d = 1 / (Math.Abs(d) < tiny ? tiny : d);
        double result = d;
        for (int m = 1; m <= 1000; m++)
        {
            // the even step, then the odd step of the fraction
            double even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
            (c, d) = Step(c, d, even);
            result *= c * d;
            double odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
            (c, d) = Step(c, d, odd);
            double change = c * d;
            result *= change;
            if (Math.Abs(change - 1) < 1e-15) break;
        }
        return result;

        static (double C, double D) Step(double c, double d, double coefficient)
        {
            d = 1 + coefficient * d;
            d = 1 / (Math.Abs(d) < tiny ? tiny : d);
            c = 1 + coefficient / c;
            return (Math.Abs(c) < tiny ? tiny : c, d);
        }
    }

    /// <summary>ln Gamma(x) for x &gt; 0, by the Lanczos approximation (g = 7, 9 terms; about 15 significant digits).</summary>
    internal static double LogGamma(double x)
    {
        if (x < 0.5) return Math.Log(Math.PI / Math.Abs(Math.Sin(Math.PI * x))) - LogGamma(1 - x); // reflection
        x -= 1;
        double sum = Lanczos[0];
        for (int i = 1; i < Lanczos.Length; i++) sum += Lanczos[i] / (x + i);
        double t = x + 7.5;
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(sum);
    }

    private static readonly double[] Lanczos =
    [
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
        12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
    ];
}
