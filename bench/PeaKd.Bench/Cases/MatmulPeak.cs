using System.Diagnostics;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace PeaKd.Bench.Cases;

/// <summary>The machine's fp32 matrix-multiply peak as libtorch reaches it: the best of several n x n x n products.</summary>
internal static class MatmulPeak
{
    public static void Run(int size, int repetitions, Measurement measurement)
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        Tensor a = randn(size, size), b = randn(size, size);
        double flops = 2.0 * size * size * size;
        var rates = new JsonArray();
        for (int i = 0; i < repetitions + 2; i++)
        {
            var clock = Stopwatch.StartNew();
            using Tensor product = a.matmul(b);
            double seconds = clock.Elapsed.TotalSeconds;
            if (i >= 2)
            {
                rates.Add(flops / seconds);
            }
        }
        measurement["size"] = size;
        measurement["flops_per_second"] = rates;
    }
}
