using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PeaKd.IO;

/// <summary>
/// Reads the small JSON files PeaKd writes beside its tensors (checkpoint.json, done.json, the teacher record's
/// metadata, options.json, summary.json, student.json): size-capped, strict UTF-8, one object, no duplicate keys.
/// Every failure is a <see cref="CorruptFileException"/> naming the file and where it went wrong.
/// </summary>
internal static class JsonFile
{
    /// <summary>Metadata files are a few kilobytes; anything this large is not one of them.</summary>
    public const long MaxBytes = 16 << 20;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The file's JSON object.</summary>
    public static JsonObject ReadObject(string path, long maxBytes = MaxBytes) => ParseObject(ReadText(path, maxBytes), path);

    /// <summary>Parses <paramref name="text"/> (read from <paramref name="path"/>, named in errors) as one JSON object.</summary>
    public static JsonObject ParseObject(string text, string path, string? location = null)
    {
        JsonNode? node;
        try
        {
            // Parsing to a document first rejects duplicate keys and depth bombs before any node is built.
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { AllowDuplicateProperties = false, MaxDepth = 64 });
            if (FindInvalidString(document.RootElement) is string where)
            {
                throw new CorruptFileException(path, "a string holds an invalid escape (a lone UTF-16 surrogate); the file is damaged.", location ?? where);
            }
            node = JsonNode.Parse(document.RootElement.GetRawText());
        }
        catch (JsonException e)
        {
            string where = location ?? (e.LineNumber is long line ? $"line {line + 1}, byte {e.BytePositionInLine + 1}" : null) ?? "json";
            throw new CorruptFileException(path, $"not valid JSON ({FirstSentence(e.Message)}). The file is damaged or was cut short.", where, e);
        }
        return node as JsonObject ?? throw new CorruptFileException(path, $"expected a JSON object, found {Kind(node)}.", location);
    }

    /// <summary>The field that seals a metadata file: the SHA-256 of the rest of the object, written compactly.</summary>
    public const string SealField = "metadata_sha256";

    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Writes <paramref name="json"/> atomically with a seal, so that a later change to any value (a flipped
    /// digit, an edited field) is detected by <see cref="ReadSealed(string, out bool, bool, string[])"/>, not just a file that no longer parses.</summary>
    public static void WriteSealed(string path, JsonObject json)
    {
        var sealedJson = json.DeepClone().AsObject();
        sealedJson.Remove(SealField);
        sealedJson[SealField] = Seal(sealedJson);
        AtomicFile.WriteAllText(path, sealedJson.ToJsonString(Indented) + "\n");
    }

    /// <summary>Reads a file written by <see cref="WriteSealed"/>; one whose values no longer match its seal is a
    /// <see cref="CorruptFileException"/>. A file without a seal is read as it is only when older versions could have
    /// written it: not when <paramref name="required"/>, nor when it has a field of <paramref name="sealedSince"/>
    /// (fields that came with the seal, so a file holding one lost its seal to damage).</summary>
    /// <param name="path">The file.</param>
    /// <param name="required">True when no older version wrote the file without a seal.</param>
    /// <param name="sealedSince">Fields that came with the seal.</param>
    /// <param name="wasSealed">False for an older file read as it is: deserialize it with <see cref="UnsealedOptions"/>,
    /// which accept exactly the older format, so a file that lost its seal to damage does not pass for one.</param>
    public static JsonObject ReadSealed(string path, out bool wasSealed, bool required = false, params string[] sealedSince) =>
        Unseal(ReadObject(path), path, out wasSealed, required, sealedSince);

    /// <summary><see cref="ReadSealed(string, out bool, bool, string[])"/> for an object already read from <paramref name="path"/>:
    /// its content without the seal, checked against it.</summary>
    public static JsonObject Unseal(JsonObject json, string path, out bool wasSealed, bool required = false, params string[] sealedSince)
    {
        wasSealed = json.ContainsKey(SealField);
        if (!wasSealed)
        {
            string? newer = sealedSince.FirstOrDefault(json.ContainsKey);
            return !required && newer is null ? json
                : throw new CorruptFileException(path, $"its {SealField} seal is missing{(newer is null ? "" : $" though it has '{newer}', written with the seal")}; the file is damaged.");
        }
        string seal = GetString(json, SealField, path) ?? throw new CorruptFileException(path, $"its {SealField} seal is null; the file is damaged.", $"field '{SealField}'");
        var content = json.DeepClone().AsObject();
        content.Remove(SealField);
        if (!string.Equals(seal, Seal(content), StringComparison.OrdinalIgnoreCase))
        {
            throw new CorruptFileException(path, $"its values do not match its {SealField}; the file was damaged or edited after it was written.");
        }
        return content;
    }

    /// <summary><see cref="ReadSealed(string, out bool, bool, string[])"/> for callers that read the object as JSON.</summary>
    public static JsonObject ReadSealed(string path, bool required = false, params string[] sealedSince) => ReadSealed(path, out _, required, sealedSince);

    /// <summary>The options to deserialize a metadata object read by <see cref="ReadSealed(string, out bool, bool, string[])"/>.</summary>
    public static JsonSerializerOptions OptionsFor(bool wasSealed) => wasSealed ? MetadataOptions : UnsealedOptions;

    private static string Seal(JsonObject content) =>
        Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(content.ToJsonString(Compact))));

    /// <summary>The file's text: it must exist, hold at most <paramref name="maxBytes"/> bytes (counted as they are read,
    /// not as the file reports them) and be valid UTF-8.</summary>
    public static string ReadText(string path, long maxBytes = MaxBytes)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FileNotFoundException($"{path}: file not found.", path);
        }
        if (info.Length > maxBytes)
        {
            throw new CorruptFileException(path, $"{info.Length:N0} bytes is far larger than this kind of file can be (at most {maxBytes:N0}); it is not the file PeaKd wrote.");
        }
        // the reported length bounds nothing for /dev/zero, a FIFO or a /proc file (0 bytes, then no end): the read is capped too
        byte[] bytes = IO.BoundedFile.ReadAllBytes(path, maxBytes, () => new CorruptFileException(path,
            $"it holds more than {maxBytes:N0} bytes, far more than this kind of file can be (a device or a pipe?); it is not the file PeaKd wrote."));
        try
        {
            string text = StrictUtf8.GetString(bytes);
            return text.Length > 0 && text[0] == '\uFEFF' ? text[1..] : text;
        }
        catch (DecoderFallbackException e)
        {
            throw new CorruptFileException(path, "not valid UTF-8; the file is damaged.", $"byte {e.Index}", e);
        }
    }

    /// <summary>Deserializes the file into <typeparamref name="T"/>; null or missing required values are errors naming the file.</summary>
    public static T Deserialize<T>(string path, JsonSerializerOptions options) where T : class => Deserialize<T>(ReadObject(path), path, options);

    /// <summary>Deserializes an object read from <paramref name="path"/> (named in errors).</summary>
    public static T Deserialize<T>(JsonObject json, string path, JsonSerializerOptions options) where T : class
    {
        try
        {
            return json.Deserialize<T>(options) ?? throw new CorruptFileException(path, "the file holds null.");
        }
        catch (JsonException e)
        {
            throw new CorruptFileException(path, $"{FirstSentence(e.Message)} The file is damaged or not the one PeaKd wrote.", e.Path is null ? null : $"field {e.Path}", e);
        }
    }

    /// <summary>A string field, or null when it is absent or null; any other kind is an error naming the field.</summary>
    public static string? GetString(JsonObject json, string field, string path)
    {
        if (!json.TryGetPropertyValue(field, out JsonNode? node) || node is null)
        {
            return null;
        }
        try
        {
            if (node is JsonValue value && value.GetValueKind() == JsonValueKind.String && value.TryGetValue(out string? text))
            {
                return text;
            }
        }
        catch (InvalidOperationException)
        {
            // a lone surrogate escape: not text .NET can hold
        }
        throw new CorruptFileException(path, $"'{field}' must be a string.", $"field '{field}'");
    }

    /// <summary>A number or boolean field, or null when it is absent or null; any other kind or an out-of-range value is an error naming the field.</summary>
    public static T? GetValue<T>(JsonObject json, string field, string path) where T : struct
    {
        if (!json.TryGetPropertyValue(field, out JsonNode? node) || node is null)
        {
            return null;
        }
        return node is JsonValue value && value.GetValueKind() is not JsonValueKind.String && value.TryGetValue(out T result)
            ? result
            : throw new CorruptFileException(path, $"'{field}' must be a {typeof(T).Name.ToLowerInvariant()}.", $"field '{field}'");
    }

    /// <summary>Serializer settings for metadata PeaKd writes: snake_case names, and a null or missing value where a
    /// type says there must be one is an error rather than a null that fails later.</summary>
    public static JsonSerializerOptions MetadataOptions { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    /// <summary>The path of the first string or name .NET cannot hold (JSON allows "\ud800"; a .NET string read from it throws later).</summary>
    private static string? FindInvalidString(JsonElement element, string at = "$")
    {
        try
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    element.GetString();
                    return null;
                case JsonValueKind.Object:
                    foreach (JsonProperty property in element.EnumerateObject())
                    {
                        string name = property.Name;
                        if (FindInvalidString(property.Value, $"{at}.{name}") is string inner)
                        {
                            return inner;
                        }
                    }
                    return null;
                case JsonValueKind.Array:
                    int index = 0;
                    foreach (JsonElement item in element.EnumerateArray())
                    {
                        if (FindInvalidString(item, $"{at}[{index++}]") is string inner)
                        {
                            return inner;
                        }
                    }
                    return null;
                default:
                    return null;
            }
        }
        catch (InvalidOperationException)
        {
            return $"field {at}";
        }
    }

    /// <summary><see cref="MetadataOptions"/> that also refuse fields the type does not have: an unsealed file must be
    /// exactly the older format.</summary>
    public static JsonSerializerOptions UnsealedOptions { get; } = new(MetadataOptions) { UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow };

    private static string Kind(JsonNode? node) => node switch
    {
        null => "null",
        JsonArray => "an array",
        JsonValue value => $"a {value.GetValueKind().ToString().ToLowerInvariant()}",
        _ => "something else",
    };

    private static string FirstSentence(string message)
    {
        int end = message.IndexOf(". ", StringComparison.Ordinal);
        return (end < 0 ? message : message[..end]).TrimEnd('.');
    }
}
