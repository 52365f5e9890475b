using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using TorchSharp;
using static TorchSharp.torch;

namespace PeaKd.Modeling;

/// <summary>
/// Dropout whose mask is drawn in parallel from a counter-based generator, for CPU training. libtorch's own dropout
/// draws its Bernoulli mask one element at a time from a locked Mersenne Twister on every CPU but Intel's (where it
/// asks MKL): 6-7 ns an element here, a third of a bf16 training step's forward at width 768. Here each call takes
/// one 64-bit key from libtorch's generator (so the seed and the training loop's per-step re-seeding still decide
/// every mask, and a resumed step repeats exactly), and element pair j keeps or drops by the j-th output of
/// SplitMix64 (Steele, Lea and Flood, 2014) from that key: any pair is computed on its own, so the work splits across
/// as many threads as libtorch uses (.NET's thread pool) and the mask does not depend on how many there are.
/// </summary>
/// <remarks>
/// As libtorch's dropout: kept elements are scaled by 1/(1-p) rounded to the input's dtype, and the output is
/// input × mask, so autograd's gradient is the mask. An element is kept when its 32 random bits are below
/// round((1-p)·2^32), a keep probability within 2^-33 of 1-p. Other devices and dtypes use libtorch's dropout.
/// </remarks>
internal static class ParallelDropout
{
    private const ulong Golden = 0x9E3779B97F4A7C15; // SplitMix64's increment
    private const long PairsPerChunk = 1 << 16;

    /// <summary><paramref name="input"/> with each element zeroed with probability <paramref name="probability"/>
    /// and the rest scaled by 1/(1-p); <paramref name="input"/> itself outside training or when p is 0.</summary>
    public static Tensor Apply(Tensor input, double probability, bool training)
    {
        if (!training || probability == 0 || input.numel() == 0)
        {
            return input;
        }
        if (!(probability is >= 0 and < 1)) // NaN too
        {
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "A dropout probability is in [0, 1).");
        }
        if (input.device_type != DeviceType.CPU || input.dtype is not (ScalarType.Float32 or ScalarType.BFloat16)
            || input.numel() * input.ElementSize > int.MaxValue) // the mask is written through a span
        {
            return nn.functional.dropout(input, probability, training: true);
        }
        return input.mul(Mask(input.shape, input.dtype, probability, NextKey()));
    }

    /// <summary>The mask for a tensor of <paramref name="shape"/>: 0 or 1/(1-p) in <paramref name="dtype"/>, the
    /// pairs of elements drawn from <paramref name="key"/> as <see cref="Apply"/> draws them.</summary>
    internal static Tensor Mask(long[] shape, ScalarType dtype, double probability, ulong key)
    {
        Tensor mask = empty(shape, dtype);
        long count = mask.numel();  // at most int.MaxValue bytes (Apply checks)
        uint threshold = KeepThreshold(probability);
        double scale = 1.0 / (1.0 - probability);
        long chunks = (count + 2 * PairsPerChunk - 1) / (2 * PairsPerChunk);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, get_num_threads()) };
        if (dtype == ScalarType.Float32)
        {
            uint kept = BitConverter.SingleToUInt32Bits((float)scale);
            Parallel.For(0L, chunks, parallel, chunk => FillFloat32(MemoryMarshal.Cast<byte, uint>(mask.bytes), chunk, key, threshold, kept));
        }
        else
        {
            ushort kept = ToBFloat16Bits((float)scale);
            Parallel.For(0L, chunks, parallel, chunk => FillBFloat16(MemoryMarshal.Cast<byte, ushort>(mask.bytes), chunk, key, threshold, kept));
        }
        return mask;
    }

    /// <summary>The j-th output (j = 1, 2, ...) of SplitMix64 started from <paramref name="key"/>.</summary>
    internal static ulong SplitMix64(ulong key, ulong j)
    {
        ulong z = key + j * Golden;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }

    /// <summary>Elements whose 32 random bits fall below this are kept: round((1-p)·2^32), at most 2^32-1.</summary>
    internal static uint KeepThreshold(double probability) => (uint)Math.Min(uint.MaxValue, Math.Round((1 - probability) * 4294967296.0));

    /// <summary>One chunk of an fp32 mask (<paramref name="values"/>: all its elements' bits): 16 elements at a time
    /// where AVX-512 runs, then one pair at a time.</summary>
    private static void FillFloat32(Span<uint> values, long chunk, ulong key, uint threshold, uint kept)
    {
        (int i, int end) = Bounds(values.Length, chunk);
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<uint> keptBits = Vector512.Create(kept);
            for (; i + 16 <= end; i += 16)
            {
                (Vector512.LessThan(Pairs(key, i), Vector512.Create(threshold)) & keptBits).StoreUnsafe(ref MemoryMarshal.GetReference(values), (nuint)i);
            }
        }
        FillPairs(values[..end], i, key, threshold, kept);
    }

    /// <summary>One chunk of a bf16 mask: 32 elements at a time where AVX-512 runs, then one pair at a time.</summary>
    private static void FillBFloat16(Span<ushort> values, long chunk, ulong key, uint threshold, ushort kept)
    {
        (int i, int end) = Bounds(values.Length, chunk);
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<ushort> keptBits = Vector512.Create(kept);
            for (; i + 32 <= end; i += 32)
            {
                Vector512<uint> low = Vector512.LessThan(Pairs(key, i), Vector512.Create(threshold));
                Vector512<uint> high = Vector512.LessThan(Pairs(key, i + 16), Vector512.Create(threshold));
                (Vector512.Narrow(low, high) & keptBits).StoreUnsafe(ref MemoryMarshal.GetReference(values), (nuint)i);
            }
        }
        FillPairs(values[..end], i, key, threshold, kept);
    }

    /// <summary>The chunk's first element and its end (exclusive).</summary>
    private static (int First, int End) Bounds(int count, long chunk)
    {
        int first = (int)(chunk * PairsPerChunk * 2);
        return (first, (int)Math.Min(count, first + PairsPerChunk * 2));
    }

    /// <summary>The random bits of elements i to i+15 (i even), in element order: SplitMix64 outputs i/2+1 to
    /// i/2+8, each with its high half first, as <see cref="FillPairs{T}"/> uses them.</summary>
    private static Vector512<uint> Pairs(ulong key, int i)
    {
        Vector512<ulong> j = Vector512.Create((ulong)(i / 2) + 1) + Vector512.Create(0UL, 1, 2, 3, 4, 5, 6, 7);
        Vector512<ulong> z = Vector512.Create(key) + j * Vector512.Create(Golden);
        z = (z ^ Vector512.ShiftRightLogical(z, 30)) * Vector512.Create(0xBF58476D1CE4E5B9);
        z = (z ^ Vector512.ShiftRightLogical(z, 27)) * Vector512.Create(0x94D049BB133111EB);
        z ^= Vector512.ShiftRightLogical(z, 31);
        // Little-endian lanes hold each output's low half first; swap the halves so element i gets the high half.
        return (Vector512.ShiftLeft(z, 32) | Vector512.ShiftRightLogical(z, 32)).AsUInt32();
    }

    /// <summary>Elements <paramref name="first"/> (even) to the end of <paramref name="values"/>, a pair at a time:
    /// pair j = i/2 is output j+1, its high 32 bits decide element i and its low 32 bits element i+1.</summary>
    private static void FillPairs<T>(Span<T> values, int first, ulong key, uint threshold, T kept) where T : unmanaged
    {
        for (int i = first; i < values.Length; i += 2)
        {
            ulong bits = SplitMix64(key, (ulong)(i / 2) + 1);
            values[i] = (uint)(bits >> 32) < threshold ? kept : default;
            if (i + 1 < values.Length)
            {
                values[i + 1] = (uint)bits < threshold ? kept : default;
            }
        }
    }

    /// <summary>One key from libtorch's default generator, which the seed and the per-step re-seeding decide.</summary>
    private static ulong NextKey()
    {
        using Tensor drawn = randint(long.MinValue, long.MaxValue, [1], dtype: ScalarType.Int64);
        return unchecked((ulong)drawn.item<long>());
    }

    /// <summary>bf16's bits for <paramref name="value"/>, rounded to nearest even as libtorch rounds (finite values).</summary>
    internal static ushort ToBFloat16Bits(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }
}
