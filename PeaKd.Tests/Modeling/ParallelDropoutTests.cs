using PeaKd.Modeling;
using PeaKd.Tests.Infrastructure;
using Xunit;
using static TorchSharp.torch;

namespace PeaKd.Tests.Modeling;

/// <summary>PeaKd's CPU dropout: its generator against SplitMix64's published outputs and a sequential reference,
/// the mask's law (keep rate, scale, independence of neighbours), its independence of the thread count, the seed's
/// control over it, and autograd's gradient.</summary>
[Collection(TrainingCollection.Name)]
public sealed class ParallelDropoutTests
{
    [Fact]
    public void The_generator_gives_splitmix64s_published_outputs()
    {
        // The first outputs from seed 1234567 of Vigna's splitmix64.c, as quoted with the reference code.
        ulong[] published = [6457827717110365317, 3203168211198807973, 9817491932198370423, 4593380528125082431, 16408922859458223821];
        Assert.Equal(published, Enumerable.Range(1, 5).Select(j => ParallelDropout.SplitMix64(1234567, (ulong)j)));
    }

    /// <summary>Small odd shapes end in the scalar tail; 300,001 elements span three parallel chunks (131,072 each),
    /// the vector steps and an odd end.</summary>
    [Theory]
    [InlineData(ScalarType.Float32, new long[] { 3, 5, 7 })]
    [InlineData(ScalarType.BFloat16, new long[] { 3, 5, 7 })]
    [InlineData(ScalarType.Float32, new long[] { 300_001 })]
    [InlineData(ScalarType.BFloat16, new long[] { 300_001 })]
    public void Each_element_is_kept_as_a_sequential_splitmix64_stream_decides(ScalarType dtype, long[] shape)
    {
        const ulong key = 0xDEADBEEF12345;
        const double p = 0.25;
        using var scope = NewDisposeScope();
        float[] mask = ParallelDropout.Mask(shape, dtype, p, key).to(ScalarType.Float32).data<float>().ToArray();

        // The reference: the stateful generator, one output per pair, high half for the even element.
        ulong state = key;
        uint threshold = (uint)Math.Round(0.75 * 4294967296.0);
        var expected = new bool[mask.Length];
        for (int i = 0; i < mask.Length; i += 2)
        {
            state = unchecked(state + 0x9E3779B97F4A7C15);
            ulong z = state;
            z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9);
            z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EB);
            z ^= z >> 31;
            expected[i] = (uint)(z >> 32) < threshold;
            if (i + 1 < mask.Length)
            {
                expected[i + 1] = (uint)z < threshold;
            }
        }
        float scale = dtype == ScalarType.Float32 ? 1 / 0.75f : 1.3359375f; // 4/3 in bf16: 1.0101011b
        Assert.Equal(expected.Select(kept => kept ? scale : 0f), mask);
    }

    [Theory]
    [InlineData(ScalarType.Float32, 0.1)]
    [InlineData(ScalarType.BFloat16, 0.1)]
    [InlineData(ScalarType.Float32, 0.5)]
    public void The_mask_keeps_one_minus_p_of_a_million_elements_and_neighbours_independently(ScalarType dtype, double p)
    {
        using var scope = NewDisposeScope();
        const int n = 1 << 20;
        float[] mask = ParallelDropout.Mask([n], dtype, p, key: 42).to(ScalarType.Float32).data<float>().ToArray();
        Assert.Equal(2, mask.Distinct().Count());
        Assert.Contains(0f, mask);
        float scale = mask.Max();
        Assert.Equal(dtype == ScalarType.Float32 ? (float)(1 / (1 - p)) : Bf16((float)(1 / (1 - p))), scale);

        // Keep rate within 5 standard deviations of 1 - p; so is each pair's chance of both kept (the two halves of
        // one output), and of an element and its successor across pairs.
        double Within(double rate, double expected, int trials) => Math.Abs(rate - expected) / Math.Sqrt(expected * (1 - expected) / trials);
        double keep = mask.Count(v => v != 0) / (double)n;
        Assert.True(Within(keep, 1 - p, n) < 5, $"keep rate {keep}");
        double bothInPair = Enumerable.Range(0, n / 2).Count(j => mask[2 * j] != 0 && mask[2 * j + 1] != 0) / (n / 2.0);
        Assert.True(Within(bothInPair, (1 - p) * (1 - p), n / 2) < 5, $"both of a pair kept {bothInPair}");
        double bothAcross = Enumerable.Range(0, n / 2 - 1).Count(j => mask[2 * j + 1] != 0 && mask[2 * j + 2] != 0) / (n / 2.0 - 1);
        Assert.True(Within(bothAcross, (1 - p) * (1 - p), n / 2 - 1) < 5, $"neighbours across pairs kept {bothAcross}");
    }

    [Fact]
    public void The_mask_does_not_depend_on_the_thread_count_or_the_tensor_length()
    {
        using var scope = NewDisposeScope();
        int threads = get_num_threads();
        try
        {
            set_num_threads(1);
            float[] one = ParallelDropout.Mask([1_000_003], ScalarType.Float32, 0.1, key: 7).data<float>().ToArray();
            set_num_threads(Math.Max(2, Environment.ProcessorCount));
            float[] many = ParallelDropout.Mask([1_000_003], ScalarType.Float32, 0.1, key: 7).data<float>().ToArray();
            Assert.Equal(one, many);
            float[] shorter = ParallelDropout.Mask([999], ScalarType.Float32, 0.1, key: 7).data<float>().ToArray();
            Assert.Equal(one.Take(999), shorter);
        }
        finally
        {
            set_num_threads(threads);
        }
    }

    [Fact]
    public void The_seed_decides_the_masks_and_successive_calls_differ()
    {
        using var scope = NewDisposeScope();
        Tensor input = ones(64, 64);
        manual_seed(3);
        Tensor first = ParallelDropout.Apply(input, 0.3, training: true);
        Tensor second = ParallelDropout.Apply(input, 0.3, training: true);
        manual_seed(3);
        Tensor again = ParallelDropout.Apply(input, 0.3, training: true);
        manual_seed(4);
        Tensor other = ParallelDropout.Apply(input, 0.3, training: true);
        Assert.True(first.eq(again).all().item<bool>());
        Assert.False(first.eq(second).all().item<bool>());
        Assert.False(first.eq(other).all().item<bool>());
    }

    [Fact]
    public void Outside_training_or_at_zero_the_input_is_returned_and_a_bad_probability_is_refused()
    {
        using var scope = NewDisposeScope();
        Tensor input = randn(4, 4);
        Assert.Same(input, ParallelDropout.Apply(input, 0.1, training: false));
        Assert.Same(input, ParallelDropout.Apply(input, 0.0, training: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => ParallelDropout.Apply(input, 1.0, training: true));
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void The_gradient_is_the_mask(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        Tensor input = (rand(32, 48) + 0.5).to(dtype).requires_grad_(true); // no zeros, so output / input is the mask
        manual_seed(9);
        Tensor output = ParallelDropout.Apply(input, 0.2, training: true);
        output.sum().backward();
        Tensor mask = (output.detach().to(ScalarType.Float32) / input.detach().to(ScalarType.Float32));
        Assert.True(input.grad!.to(ScalarType.Float32).allclose(mask, rtol: 1e-2), "the gradient is output / input");
        Assert.True(output.eq(0).any().item<bool>() && output.ne(0).any().item<bool>());
    }

    /// <summary><paramref name="value"/> rounded to bf16 by libtorch.</summary>
    private static float Bf16(float value)
    {
        using Tensor rounded = tensor(value).to(ScalarType.BFloat16).to(ScalarType.Float32);
        return rounded.item<float>();
    }
}
