using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using TorchSharp;
using static TorchSharp.torch;

namespace PeaKd.Training;

/// <summary>
/// One AdamW update of one fp32 CPU parameter in a single pass over its memory: weight decay, both moments, the
/// bias-corrected step. Tensor by tensor, libtorch's operations read and write the weight, gradient and moments
/// about twenty times per element (a kernel per operation); this reads each once and writes three, which took
/// AdamW from 0.14 to 0.03 s of a 3.2 s bf16 step at width 768 here. Elementwise, so the result does not
/// depend on the thread count. <see cref="AdamW"/> uses it where it applies and its tensor operations elsewhere.
/// </summary>
internal static class FusedAdamWUpdate
{
    private const int ChunkElements = 1 << 16;

    /// <summary>Whether the update can run here: all four tensors dense fp32, contiguous, on the CPU, of one size
    /// that a span can hold.</summary>
    public static bool Applies(Tensor parameter, Tensor gradient, Tensor expAvg, Tensor expAvgSq) =>
        new[] { parameter, gradient, expAvg, expAvgSq }.All(t => t.device_type == DeviceType.CPU && !t.is_sparse && t.dtype == ScalarType.Float32 && t.is_contiguous())
        && new[] { gradient, expAvg, expAvgSq }.All(t => t.numel() == parameter.numel()) && parameter.numel() * sizeof(float) <= int.MaxValue;

    /// <summary>The update, in place: p ← p·(1 − lr·wd); m ← β1·m + (1 − β1)·g; v ← β2·v + (1 − β2)·g²;
    /// p ← p − stepSize · m / (√v / √correction2 + ε).</summary>
    public static void Apply(Tensor parameter, Tensor gradient, Tensor expAvg, Tensor expAvgSq, Coefficients coefficients)
    {
        long count = parameter.numel();
        long chunks = (count + ChunkElements - 1) / ChunkElements;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, get_num_threads()) };
        Parallel.For(0L, chunks, parallel, chunk =>
        {
            int first = (int)(chunk * ChunkElements);
            int length = (int)Math.Min(ChunkElements, count - first);
            Update(Floats(parameter, first, length), Floats(gradient, first, length), Floats(expAvg, first, length), Floats(expAvgSq, first, length), coefficients);
        });
    }

    /// <summary>The step's constants, in fp32 as libtorch's fp32 kernels use them.</summary>
    public readonly record struct Coefficients(float Decay, float Beta1, float OneMinusBeta1, float Beta2, float OneMinusBeta2,
        float SqrtCorrection2, float Epsilon, float NegativeStepSize)
    {
        public static Coefficients For(double learningRate, double weightDecay, double beta1, double beta2, double epsilon, long step)
        {
            double correction1 = 1 - Math.Pow(beta1, step);
            double correction2 = 1 - Math.Pow(beta2, step);
            return new((float)(1 - learningRate * weightDecay), (float)beta1, (float)(1 - beta1), (float)beta2, (float)(1 - beta2),
                (float)Math.Sqrt(correction2), (float)epsilon, (float)(-learningRate / correction1));
        }
    }

    private static Span<float> Floats(Tensor tensor, int first, int length) =>
        MemoryMarshal.Cast<byte, float>(tensor.bytes).Slice(first, length);

    private static void Update(Span<float> p, Span<float> g, Span<float> m, Span<float> v, Coefficients c)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var decay = Vector512.Create(c.Decay);
            var beta1 = Vector512.Create(c.Beta1);
            var oneMinusBeta1 = Vector512.Create(c.OneMinusBeta1);
            var beta2 = Vector512.Create(c.Beta2);
            var oneMinusBeta2 = Vector512.Create(c.OneMinusBeta2);
            var sqrtCorrection2 = Vector512.Create(c.SqrtCorrection2);
            var epsilon = Vector512.Create(c.Epsilon);
            var negativeStepSize = Vector512.Create(c.NegativeStepSize);
            for (; i + 16 <= p.Length; i += 16)
            {
                Vector512<float> gi = Vector512.Create<float>(g[i..]);
                Vector512<float> mi = Vector512.Create<float>(m[i..]) * beta1 + gi * oneMinusBeta1;
                Vector512<float> vi = Vector512.Create<float>(v[i..]) * beta2 + gi * gi * oneMinusBeta2;
                Vector512<float> denominator = Vector512.Sqrt(vi) / sqrtCorrection2 + epsilon;
                Vector512<float> pi = Vector512.Create<float>(p[i..]) * decay + negativeStepSize * (mi / denominator);
                mi.CopyTo(m[i..]);
                vi.CopyTo(v[i..]);
                pi.CopyTo(p[i..]);
            }
        }
        for (; i < p.Length; i++)
        {
            float mi = m[i] * c.Beta1 + g[i] * c.OneMinusBeta1;
            float vi = v[i] * c.Beta2 + g[i] * g[i] * c.OneMinusBeta2;
            float denominator = MathF.Sqrt(vi) / c.SqrtCorrection2 + c.Epsilon;
            m[i] = mi;
            v[i] = vi;
            p[i] = p[i] * c.Decay + c.NegativeStepSize * (mi / denominator);
        }
    }
}
