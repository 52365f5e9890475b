using Onnx;
using PeaKd.IO;

namespace PeaKd.Checkpoints.Onnx;

/// <summary>Reads ONNX tensor payloads (raw little-endian data or the typed repeated fields).</summary>
internal static class OnnxTensors
{
    private const int Float = 1, Int32 = 6, Int64 = 7, Float16 = 10, Double = 11;

    public static long[] Shape(TensorProto tensor) => tensor.Dims.ToArray();

    /// <summary>The tensor's values as float32; its dims must be non-negative and describe exactly the values stored.</summary>
    public static float[] Floats(TensorProto tensor, string origin)
    {
        ReadOnlySpan<byte> raw = tensor.RawData.Span;
        float[] values = tensor.DataType switch
        {
            Float when raw.Length > 0 => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(Whole(raw, 4, tensor, origin)).ToArray(),
            Float => tensor.FloatData.ToArray(),
            Float16 when raw.Length > 0 => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(Whole(raw, 2, tensor, origin)).ToArray().Select(h => (float)h).ToArray(),
            Double when raw.Length > 0 => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(Whole(raw, 8, tensor, origin)).ToArray().Select(d => (float)d).ToArray(),
            Double => tensor.DoubleData.Select(d => (float)d).ToArray(),
            _ => throw new CorruptFileException(origin, $"ONNX data type {tensor.DataType}; weights must be float32, float16 or float64.", Where(tensor)),
        };
        long expected = 1;
        foreach (long dimension in tensor.Dims)
        {
            if (dimension < 0)
            {
                throw new CorruptFileException(origin, $"dims [{string.Join(", ", tensor.Dims)}] has a negative size.", Where(tensor));
            }
            expected = dimension == 0 || expected == 0 ? 0 : expected > int.MaxValue / dimension ? long.MaxValue : expected * dimension;
        }
        if (expected != values.Length)
        {
            throw new CorruptFileException(origin, $"dims [{string.Join(", ", tensor.Dims)}] need {(expected == long.MaxValue ? "over 2^31" : expected.ToString("N0"))} values but the tensor stores {values.Length:N0}. The model is damaged.", Where(tensor));
        }
        return values;
    }

    private static ReadOnlySpan<byte> Whole(ReadOnlySpan<byte> raw, int size, TensorProto tensor, string origin) =>
        raw.Length % size == 0 ? raw : throw new CorruptFileException(origin, $"raw data of {raw.Length} bytes is not a whole number of {size}-byte values.", Where(tensor));

    private static string Where(TensorProto tensor) => $"tensor '{(tensor.Name.Length <= 80 ? tensor.Name : tensor.Name[..77] + "...")}'";

    public static long[] Longs(TensorProto tensor)
    {
        ReadOnlySpan<byte> raw = tensor.RawData.Span;
        return tensor.DataType switch
        {
            Int64 when raw.Length > 0 => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(raw).ToArray(),
            Int64 => tensor.Int64Data.ToArray(),
            Int32 when raw.Length > 0 => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(raw).ToArray().Select(i => (long)i).ToArray(),
            Int32 => tensor.Int32Data.Select(i => (long)i).ToArray(),
            _ => [],
        };
    }

    /// <summary>The single value of a scalar or one-element float tensor, or null.</summary>
    public static double? Scalar(TensorProto tensor)
    {
        if (tensor.DataType is not (Float or Double or Float16))
        {
            return null;
        }
        float[] values = Floats(tensor, tensor.Name);
        return values.Length == 1 ? values[0] : null;
    }
}
