using System.Text.Json;
using System.Text.Json.Nodes;
using PeaKd.IO;

namespace PeaKd.Training;

/// <summary>metrics.jsonl: one JSON object per line (stage, step, epoch, loss terms, learning rate, examples/s,
/// or dev metrics). Lines are flushed as written, so a killed run keeps what it logged; a line torn by a kill is
/// dropped before the next one is appended, and readers skip a torn last line.</summary>
internal sealed class MetricsLog
{
    private readonly object _gate = new();
    private bool _tailChecked;

    public MetricsLog(string path)
    {
        Path = path;
    }

    public string Path { get; }

    public void Write(JsonObject entry)
    {
        byte[] line = System.Text.Encoding.UTF8.GetBytes(entry.ToJsonString(new JsonSerializerOptions { WriteIndented = false }) + "\n");
        lock (_gate)
        {
            if (!_tailChecked)
            {
                DropTornTail();
                _tailChecked = true;
            }
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
            using var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
            if (WriteInterceptor.Current?.StopsMidway(System.IO.Path.GetFileName(Path)) == true)
            {
                stream.Write(line.AsSpan(0, line.Length / 2)); // what a kill in the middle of a line leaves
                stream.Flush(flushToDisk: true);
                WriteInterceptor.Current.Midway(System.IO.Path.GetFileName(Path));
            }
            stream.Write(line);
            stream.Flush(flushToDisk: false);
        }
        WriteInterceptor.Current?.Written(System.IO.Path.GetFileName(Path));
    }

    /// <summary>Drops the lines of <paramref name="stage"/> logged after <paramref name="step"/>: a resumed stage
    /// logs them again. Torn or damaged lines (a kill mid-write) are dropped too.</summary>
    public void TruncateAfter(string stage, long step)
    {
        if (!File.Exists(Path))
        {
            return;
        }
        var kept = new List<string>();
        foreach (string line in File.ReadAllLines(Path))
        {
            if (TryParse(line) is not { } node || !TryStageAndStep(node, out string? lineStage, out long lineStep))
            {
                continue;
            }
            if (lineStage == stage && lineStep > step)
            {
                continue;
            }
            kept.Add(line);
        }
        AtomicFile.WriteAllText(Path, kept.Count == 0 ? "" : string.Join("\n", kept) + "\n");
        _tailChecked = true;
    }

    /// <summary>Every entry, for reports and tests. A torn last line (a run killed mid-write) is skipped; a damaged
    /// line before it is a <see cref="CorruptFileException"/> naming the line.</summary>
    public static IReadOnlyList<JsonObject> Read(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }
        string text = JsonFile.ReadText(path, maxBytes: 1L << 30);
        string[] lines = text.Split('\n');
        var entries = new List<JsonObject>();
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }
            bool last = i == lines.Length - 1; // no newline after it: the write never finished
            JsonObject? entry = TryParse(line);
            if (entry is null || !TryStageAndStep(entry, out _, out _))
            {
                if (last)
                {
                    break;
                }
                throw new CorruptFileException(path, "not a metrics entry (a JSON object with a string 'stage' and an integer 'step'); the file is damaged.", $"line {i + 1}");
            }
            entries.Add(entry);
        }
        return entries;
    }

    /// <summary>A kill can stop a write mid-line; the next line must not be glued to that fragment.</summary>
    private void DropTornTail()
    {
        if (!File.Exists(Path))
        {
            return;
        }
        using var stream = new FileStream(Path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        long end = stream.Length;
        long keep = end;
        var one = new byte[1];
        while (keep > 0)
        {
            stream.Position = keep - 1;
            stream.ReadExactly(one);
            if (one[0] == (byte)'\n')
            {
                break;
            }
            keep--;
        }
        if (keep != end)
        {
            stream.SetLength(keep);
            stream.Flush(flushToDisk: true);
        }
    }

    private static JsonObject? TryParse(string line)
    {
        try
        {
            return JsonNode.Parse(line, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool TryStageAndStep(JsonObject entry, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? stage, out long step)
    {
        stage = null;
        step = 0;
        try
        {
            return entry["stage"] is JsonValue s && s.GetValueKind() == JsonValueKind.String && s.TryGetValue(out stage)
                && entry["step"] is JsonValue n && n.GetValueKind() == JsonValueKind.Number && n.TryGetValue(out step);
        }
        catch (InvalidOperationException)
        {
            return false; // a string .NET cannot hold
        }
    }
}
