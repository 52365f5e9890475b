using System.Text.Json;
using System.Text.Json.Nodes;

namespace PeaKd.Training;

/// <summary>metrics.jsonl: one JSON object per line (stage, step, epoch, loss terms, learning rate, examples/s,
/// or dev metrics). Lines are flushed as written, so a killed run keeps what it logged.</summary>
public sealed class MetricsLog
{
    private readonly object _gate = new();

    public MetricsLog(string path)
    {
        Path = path;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
    }

    public string Path { get; }

    public void Write(JsonObject entry)
    {
        string line = entry.ToJsonString(new JsonSerializerOptions { WriteIndented = false }) + "\n";
        lock (_gate)
        {
            using var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
            stream.Write(System.Text.Encoding.UTF8.GetBytes(line));
            stream.Flush(flushToDisk: false);
        }
    }

    /// <summary>Drops the lines of <paramref name="stage"/> logged after <paramref name="step"/>: a resumed stage
    /// logs them again. A torn last line (a kill mid-write) is dropped too.</summary>
    public void TruncateAfter(string stage, long step)
    {
        if (!File.Exists(Path))
        {
            return;
        }
        var kept = new List<string>();
        foreach (string line in File.ReadAllLines(Path))
        {
            JsonNode? node;
            try
            {
                node = JsonNode.Parse(line);
            }
            catch (JsonException)
            {
                continue;
            }
            if (node?["stage"]?.GetValue<string>() == stage && node["step"]?.GetValue<long>() > step)
            {
                continue;
            }
            kept.Add(line);
        }
        AtomicFile.WriteAllText(Path, kept.Count == 0 ? "" : string.Join("\n", kept) + "\n");
    }

    /// <summary>Every entry, for reports and tests.</summary>
    public static IReadOnlyList<JsonObject> Read(string path) =>
        File.Exists(path)
            ? File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!.AsObject()).ToList()
            : [];
}
