using System.Text.Json;
using System.Text.Json.Nodes;
using PeaKd.Distillation;
using PeaKd.Training;

namespace PeaKd.Runs;

/// <summary>
/// A finished run as its folder records it (summary.json, options.json, metrics.jsonl), for reports over many runs:
/// distillation runs and teacher fine-tunings alike, from this version of PeaKd or an older one. A damaged file is a
/// <see cref="CorruptFileException"/> naming it; a summary changed after the run fails its seal.
/// </summary>
public sealed record RunSummary
{
    /// <summary>The run folder.</summary>
    public required string Folder { get; init; }

    /// <summary>The student's name, or "teacher" for a fine-tuning.</summary>
    public required string Model { get; init; }

    /// <summary>True for a distillation run, false for a teacher's fine-tuning.</summary>
    public required bool IsStudent { get; init; }

    /// <summary>Whether PTP ran.</summary>
    public required bool Ptp { get; init; }

    /// <summary>The KD weights asked for (options.json), or null for a fine-tuning.</summary>
    public required KdSettings? Kd { get; init; }

    /// <summary>Embeddings, owned layers and pooler (the classifier excluded).</summary>
    public required long Parameters { get; init; }

    /// <summary>Encoder layers in the forward pass.</summary>
    public required int EffectiveDepth { get; init; }

    /// <summary>Seconds spent training.</summary>
    public required double TrainingSeconds { get; init; }

    /// <summary>Metrics by split, then by name.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> Metrics { get; init; }

    /// <summary>Every metrics.jsonl line, in order.</summary>
    public required IReadOnlyList<MetricsEntry> Log { get; init; }

    /// <summary>The metrics of <paramref name="split"/>, empty when the run has none.</summary>
    public IReadOnlyDictionary<string, double> MetricsOf(string split) =>
        Metrics.TryGetValue(split, out IReadOnlyDictionary<string, double>? values) ? values : new Dictionary<string, double>();

    /// <summary>Reads the finished run in <paramref name="folder"/> (it must hold summary.json).</summary>
    public static RunSummary Read(string folder)
    {
        string summaryPath = Path.Combine(folder, "summary.json");
        JsonObject summary = JsonFile.ReadSealed(summaryPath);
        string optionsPath = Path.Combine(folder, "options.json");
        JsonObject options = File.Exists(optionsPath) ? JsonFile.ReadObject(optionsPath) : [];
        string? student = JsonFile.GetString(summary, "student", summaryPath);
        KdSettings? kd = student is null ? null : new KdSettings(
            JsonFile.GetValue<double>(options, "alpha", optionsPath) ?? double.NaN,
            JsonFile.GetValue<double>(options, "temperature", optionsPath) ?? double.NaN,
            JsonFile.GetValue<double>(options, "beta", optionsPath) ?? double.NaN);
        return new RunSummary
        {
            Folder = Path.GetFullPath(folder),
            Model = student ?? JsonFile.GetString(summary, "model", summaryPath) ?? Path.GetFileName(Path.GetFullPath(folder)),
            IsStudent = student is not null,
            Ptp = JsonFile.GetValue<bool>(summary, "ptp", summaryPath) ?? false,
            Kd = kd,
            Parameters = JsonFile.GetValue<long>(summary, "owned_parameters", summaryPath) ?? JsonFile.GetValue<long>(summary, "parameters", summaryPath) ?? 0,
            EffectiveDepth = JsonFile.GetValue<int>(summary, "effective_depth", summaryPath) ?? 0,
            TrainingSeconds = JsonFile.GetValue<double>(summary, "training_seconds", summaryPath) ?? 0,
            Metrics = ReadMetrics(summary),
            Log = MetricsLog.Read(Path.Combine(folder, "metrics.jsonl")).Select(MetricsEntry.From).ToArray(),
        };
    }

    /// <summary>Every finished run under <paramref name="root"/> (folders holding summary.json), in path order.</summary>
    public static IReadOnlyList<RunSummary> FindAll(string root)
    {
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"{root}: folder not found.");
        }
        return Directory.GetFiles(root, "summary.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(path => Read(Path.GetDirectoryName(path)!)).ToArray();
    }

    private static IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> ReadMetrics(JsonObject summary)
    {
        var metrics = new Dictionary<string, IReadOnlyDictionary<string, double>>(StringComparer.Ordinal);
        if (summary["metrics"] is JsonObject splits)
        {
            foreach ((string split, JsonNode? values) in splits)
            {
                if (values is JsonObject named)
                {
                    metrics[split] = named.Where(v => v.Value is JsonValue value && value.GetValueKind() == JsonValueKind.Number)
                        .ToDictionary(v => v.Key, v => v.Value!.GetValue<double>());
                }
            }
        }
        return metrics;
    }
}
