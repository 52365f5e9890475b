using System.Diagnostics;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace PeaKd.Bench.Cases;

/// <summary>The machine's matrix-multiply rate (fp32 or bf16) as libtorch reaches it over several n x n x n products.</summary>
internal static class MatmulPeak
{
    public static void Run(int size, int repetitions, ScalarType dtype, Measurement measurement)
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        Tensor a = randn(size, size).to(dtype), b = randn(size, size).to(dtype);
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
        measurement["dtype"] = dtype == ScalarType.BFloat16 ? "bf16" : "fp32";
        measurement["flops_per_second"] = rates;
    }
}
