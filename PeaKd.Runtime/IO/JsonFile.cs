using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PeaKd;

/// <summary>
/// Reads the small JSON files PeaKd writes beside its tensors (checkpoint.json, done.json, the teacher record's
/// metadata, options.json, summary.json, student.json): size-capped, strict UTF-8, one object, no duplicate keys.
/// Every failure is a <see cref="CorruptFileException"/> naming the file and where it went wrong.
/// </summary>
public static class JsonFile
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

    /// <summary>The file's text: it must exist, be at most <paramref name="maxBytes"/> long and be valid UTF-8.</summary>
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
        byte[] bytes = File.ReadAllBytes(path);
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
