using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PeaKd.Modeling;

/// <summary>Typed reads of config.json fields; every failure names the file and the field.</summary>
internal sealed class ConfigReader(string path, JsonObject json)
{
    public int RequiredInt(string field) =>
        json.TryGetPropertyValue(field, out JsonNode? node) && node is not null
            ? AsInt(field, node)
            : throw new InvalidConfigException(path, field, $"required field '{field}' is missing.");

    public int Int(string field, int fallback) =>
        json.TryGetPropertyValue(field, out JsonNode? node) && node is not null ? AsInt(field, node) : fallback;

    public double Double(string field, double fallback)
    {
        if (!json.TryGetPropertyValue(field, out JsonNode? node) || node is null)
        {
            return fallback;
        }
        return node is JsonValue value && value.TryGetValue(out double number)
            ? number
            : throw new InvalidConfigException(path, field, $"'{field}' must be a number, got {Describe(node)}.");
    }

    public string String(string field, string fallback) => OptionalString(field) ?? fallback;

    public string? OptionalString(string field)
    {
        if (!json.TryGetPropertyValue(field, out JsonNode? node) || node is null)
        {
            return null;
        }
        return TryString(node, out string? text)
            ? text
            : throw new InvalidConfigException(path, field, $"'{field}' must be a string, got {Describe(node)}.");
    }

    /// <summary>Labels from id2label (ids 0..n-1, all present), else num_labels, else two.</summary>
    public IReadOnlyList<string> Labels()
    {
        if (json["id2label"] is JsonObject id2label)
        {
            var labels = new string[id2label.Count];
            foreach ((string key, JsonNode? node) in id2label)
            {
                if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out int id) || id >= labels.Length)
                {
                    throw new InvalidConfigException(path, "id2label",
                        $"id2label key '{key}' is not a label id in 0..{labels.Length - 1}.");
                }
                labels[id] = node is not null && TryString(node, out string? name)
                    ? name
                    : throw new InvalidConfigException(path, "id2label", $"id2label['{key}'] must be a string.");
            }
            return labels;
        }
        if (json.ContainsKey("id2label") && json["id2label"] is not null)
        {
            throw new InvalidConfigException(path, "id2label", "id2label must be an object mapping ids to names.");
        }
        int count = Int("num_labels", 2);
        if (count < 1)
        {
            throw new InvalidConfigException(path, "num_labels", $"num_labels must be at least 1, got {count}.");
        }
        return Enumerable.Range(0, count).Select(i => $"LABEL_{i}").ToArray();
    }

    /// <summary>A JSON string's text; false for other kinds and for strings .NET cannot hold (a lone surrogate escape).</summary>
    private static bool TryString(JsonNode node, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? text)
    {
        text = null;
        if (node is not JsonValue value || value.GetValueKind() != JsonValueKind.String)
        {
            return false;
        }
        try
        {
            return value.TryGetValue(out text);
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>The value as JSON for a message, shortened; a string .NET cannot hold is named, not printed.</summary>
    private static string Describe(JsonNode node)
    {
        string text;
        try
        {
            text = node.ToJsonString();
        }
        catch (InvalidOperationException)
        {
            return "a string with an invalid escape (a lone UTF-16 surrogate)";
        }
        return text.Length <= 80 ? text : text[..77] + "...";
    }

    private int AsInt(string field, JsonNode node)
    {
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue(out int number))
        {
            return number;
        }
        if (node is JsonValue written && written.GetValueKind() == JsonValueKind.Number && written.TryGetValue(out double whole) && whole == Math.Floor(whole))
        {
            if (Math.Abs(whole) <= int.MaxValue)
            {
                return (int)whole; // 768.0 or 7.68e2: a whole number written another way
            }
            throw new InvalidConfigException(path, field, $"'{field}' is {Describe(node)}, too large (at most {int.MaxValue:N0}, and far less for a model that fits in memory).");
        }
        throw new InvalidConfigException(path, field, $"'{field}' must be an integer, got {Describe(node)}.");
    }
}
