using Onnx;

namespace PeaKd.Checkpoints.Onnx;

/// <summary>Reads ONNX tensor payloads (raw little-endian data or the typed repeated fields).</summary>
internal static class OnnxTensors
{
    private const int Float = 1, Int32 = 6, Int64 = 7, Float16 = 10, Double = 11;

    public static long[] Shape(TensorProto tensor) => tensor.Dims.ToArray();

    public static float[] Floats(TensorProto tensor, string origin)
    {
        ReadOnlySpan<byte> raw = tensor.RawData.Span;
        switch (tensor.DataType)
        {
            case Float when raw.Length > 0:
                return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(raw).ToArray();
            case Float:
                return tensor.FloatData.ToArray();
            case Float16 when raw.Length > 0:
                return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(raw).ToArray().Select(h => (float)h).ToArray();
            case Double when raw.Length > 0:
                return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(raw).ToArray().Select(d => (float)d).ToArray();
            case Double:
                return tensor.DoubleData.Select(d => (float)d).ToArray();
            default:
                throw new InvalidDataException($"{origin}: tensor '{tensor.Name}' has ONNX data type {tensor.DataType}; weights must be float32, float16 or float64.");
        }
    }

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
