using Xunit;
using static TorchSharp.torch;

namespace PeaKd.Tests.Infrastructure;

internal static class TensorAssert
{
    /// <summary>Asserts equal shapes and a maximum absolute difference within <paramref name="tolerance"/>.</summary>
    public static void Close(Tensor expected, Tensor actual, double tolerance, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        double difference = MaxAbsDifference(expected, actual);
        Assert.True(difference <= tolerance, $"{what}: max |difference| {difference:E3} exceeds {tolerance:E1}");
    }

    public static double MaxAbsDifference(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return (a.to(ScalarType.Float64) - b.to(ScalarType.Float64)).abs().max().item<double>();
    }
}
