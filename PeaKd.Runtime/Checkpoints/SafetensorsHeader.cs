using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using PeaKd.IO;

namespace PeaKd.Checkpoints;

/// <summary>One tensor of a safetensors file as its header describes it.</summary>
/// <param name="Name">The tensor's name.</param>
/// <param name="DType">Its safetensors dtype (F32, BF16, ...).</param>
/// <param name="Shape">Its dimensions.</param>
/// <param name="Begin">Start of its bytes, relative to the data region.</param>
/// <param name="End">End (exclusive), relative to the data region.</param>
internal sealed record SafetensorsEntry(string Name, string DType, long[] Shape, long Begin, long End);

/// <summary>
/// Checks a safetensors file before any tensor is allocated: an 8-byte little-endian header length within the file
/// and a sane cap, a UTF-8 JSON header of objects without duplicate names, each tensor's dtype known, its shape
/// non-negative, shape product times dtype size equal to its byte span, spans inside the data region and not
/// overlapping. So a truncated, flipped or hostile file is a <see cref="CorruptFileException"/> naming the file
/// and the place, never a crash or a huge allocation in the loader.
/// </summary>
internal static class SafetensorsHeader
{
    /// <summary>The safetensors format's own limit on the header.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>Bytes per element of the dtypes the loader reads.</summary>
    public static IReadOnlyDictionary<string, int> DTypeSizes { get; } = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["F64"] = 8, ["F32"] = 4, ["F16"] = 2, ["BF16"] = 2, ["I64"] = 8, ["I32"] = 4, ["I16"] = 2, ["I8"] = 1, ["U8"] = 1, ["BOOL"] = 1,
    };

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The file's tensors, in header order, once every check passed.</summary>
    public static IReadOnlyList<SafetensorsEntry> Validate(string path)
    {
        using FileStream stream = File.OpenRead(path);
        long fileLength = stream.Length;
        if (fileLength < 8)
        {
            throw new CorruptFileException(path, $"{fileLength} bytes is too short for a safetensors file (8-byte header length, header, data). The file is truncated.");
        }
        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > (ulong)(fileLength - 8))
        {
            throw new CorruptFileException(path, $"the header claims {headerLength:N0} bytes but only {fileLength - 8:N0} follow. The file is truncated or not safetensors.", "byte 0");
        }
        if (headerLength > MaxHeaderBytes)
        {
            throw new CorruptFileException(path, $"the header claims {headerLength:N0} bytes, over the format's limit of {MaxHeaderBytes:N0}.", "byte 0");
        }
        if (headerLength < 2)
        {
            throw new CorruptFileException(path, $"the header is {headerLength} bytes; it must hold a JSON object.", "byte 0");
        }
        byte[] headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        long dataLength = fileLength - 8 - (long)headerLength;

        JsonDocument document = ParseHeader(path, headerBytes);
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new CorruptFileException(path, "the JSON header must be an object of tensors.", "header");
            }
            var entries = new List<SafetensorsEntry>();
            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    continue;
                }
                entries.Add(ReadEntry(path, property, dataLength));
            }
            CheckOverlaps(path, entries);
            return entries;
        }
    }

    /// <summary>The header as a JSON document: strict UTF-8, no duplicate keys, shallow.</summary>
    private static JsonDocument ParseHeader(string path, byte[] headerBytes)
    {
        string header;
        try
        {
            header = StrictUtf8.GetString(headerBytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new CorruptFileException(path, "the JSON header is not valid UTF-8.", $"byte {8 + e.Index}", e);
        }
        try
        {
            return JsonDocument.Parse(header, new JsonDocumentOptions { AllowDuplicateProperties = false, MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw new CorruptFileException(path, $"the JSON header does not parse ({e.Message.Split(". ")[0].TrimEnd('.')}).", $"header byte {e.BytePositionInLine + 1}", e);
        }
    }

    private static SafetensorsEntry ReadEntry(string path, JsonProperty property, long dataLength)
    {
        string name = property.Name;
        string where = $"tensor '{Shorten(name)}'";
        JsonElement value = property.Value;
        if (value.ValueKind != JsonValueKind.Object
            || !value.TryGetProperty("dtype", out JsonElement dtypeNode) || dtypeNode.ValueKind != JsonValueKind.String
            || !value.TryGetProperty("shape", out JsonElement shapeNode) || shapeNode.ValueKind != JsonValueKind.Array
            || !value.TryGetProperty("data_offsets", out JsonElement offsetsNode) || offsetsNode.ValueKind != JsonValueKind.Array)
        {
            throw new CorruptFileException(path, "each tensor needs a string 'dtype', an array 'shape' and an array 'data_offsets'.", where);
        }
        string dtype = dtypeNode.GetString()!;
        if (!DTypeSizes.TryGetValue(dtype, out int elementSize))
        {
            throw new CorruptFileException(path, $"dtype '{Shorten(dtype)}' is not one PeaKd reads ({string.Join(", ", DTypeSizes.Keys)}).", where);
        }
        if (shapeNode.GetArrayLength() > 16)
        {
            throw new CorruptFileException(path, $"{shapeNode.GetArrayLength()} dimensions; no weight has that many.", where);
        }
        var shape = new long[shapeNode.GetArrayLength()];
        long bytes = elementSize;
        int i = 0;
        foreach (JsonElement dimension in shapeNode.EnumerateArray())
        {
            if (dimension.ValueKind != JsonValueKind.Number || !dimension.TryGetInt64(out long size) || size < 0)
            {
                throw new CorruptFileException(path, $"shape entry {i} is {dimension.GetRawText()}; sizes are non-negative integers.", where);
            }
            shape[i++] = size;
            // saturate instead of overflowing: any product beyond the data region is rejected below anyway
            bytes = size == 0 || bytes == 0 ? 0 : bytes > long.MaxValue / size ? long.MaxValue : bytes * size;
        }
        if (offsetsNode.GetArrayLength() != 2
            || !offsetsNode[0].TryGetInt64Strict(out long begin) || !offsetsNode[1].TryGetInt64Strict(out long end)
            || begin < 0 || end < begin)
        {
            throw new CorruptFileException(path, $"data_offsets {offsetsNode.GetRawText()} must be two integers [begin, end] with 0 <= begin <= end.", where);
        }
        if (end > dataLength)
        {
            throw new CorruptFileException(path, $"data_offsets [{begin}, {end}] run past the data region ({dataLength:N0} bytes). The file is truncated.", where);
        }
        if (end - begin != bytes)
        {
            throw new CorruptFileException(path,
                $"shape [{string.Join(", ", shape)}] of {dtype} needs {(bytes == long.MaxValue ? "more than 2^63" : bytes.ToString("N0"))} bytes but data_offsets [{begin}, {end}] span {end - begin:N0}.", where);
        }
        return new SafetensorsEntry(name, dtype, shape, begin, end);
    }

    private static void CheckOverlaps(string path, List<SafetensorsEntry> entries)
    {
        SafetensorsEntry? previous = null;
        foreach (SafetensorsEntry entry in entries.Where(e => e.End > e.Begin).OrderBy(e => e.Begin))
        {
            if (previous is not null && entry.Begin < previous.End)
            {
                throw new CorruptFileException(path, $"its bytes [{entry.Begin}, {entry.End}) overlap those of '{Shorten(previous.Name)}' [{previous.Begin}, {previous.End}).", $"tensor '{Shorten(entry.Name)}'");
            }
            previous = entry;
        }
    }

    private static bool TryGetInt64Strict(this JsonElement element, out long value)
    {
        value = 0;
        return element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out value);
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..77] + "...";
}
