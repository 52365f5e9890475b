namespace PeaKd.Tests.Infrastructure;

/// <summary>How far one engine's logits are from a reference's.</summary>
internal static class LogitDistance
{
    /// <summary>The largest absolute difference over every row and label, over the reference's largest magnitude: a
    /// scale-free distance for engines that round (int8) on models whose logits are small.</summary>
    public static double Relative(IEnumerable<float[]> actual, IReadOnlyList<float[]> reference)
    {
        double scale = reference.SelectMany(row => row).Max(v => Math.Abs((double)v));
        double largest = actual.Zip(reference).Max(pair => pair.First.Zip(pair.Second, (a, b) => Math.Abs((double)a - b)).Max());
        return largest / scale;
    }
}
