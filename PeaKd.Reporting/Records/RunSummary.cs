using System.Text.Json;
using System.Text.Json.Nodes;
using PeaKd.Data.Metrics;
using PeaKd.Distillation;
using PeaKd.IO;
using PeaKd.Runs;
using PeaKd.Training;

namespace PeaKd.Reporting.Records;

/// <summary>
/// A finished run as a report sees it, from its folder's summary.json (read back into the <see cref="DistillationResult"/>
/// or <see cref="FineTuneResult"/> that wrote it, older shapes upgraded first: <see cref="SummaryUpgrader"/>), options.json
/// and metrics.jsonl: distillation runs and teacher fine-tunings alike, from this version of PeaKd or an older one. A
/// damaged file is a <see cref="CorruptFileException"/> naming it; a summary changed after the run fails its seal.
/// </summary>
public sealed record RunSummary
{
    /// <summary>The run folder.</summary>
    public required string Folder { get; init; }

    /// <summary>The student's name, or "teacher" for a fine-tuning.</summary>
    public required string Model { get; init; }

    /// <summary>True for a distillation run, false for a teacher's fine-tuning.</summary>
    public required bool IsStudent { get; init; }

    /// <summary>The KD weights the run used (its KD stage's, where a 1-layer plain student's beta was forced to 0; older
    /// runs: options.json's), or null for a fine-tuning.</summary>
    public required KdSettings? KdLoss { get; init; }

    /// <summary>The training seed (the KD stage's, or the fine-tuning's), or null when options.json does not say.</summary>
    public required int? Seed { get; init; }

    /// <summary>Where a student started ("pretrained" or "teacher"; runs before the choice existed started from the
    /// teacher), or null for a fine-tuning.</summary>
    public required string? InitFrom { get; init; }

    /// <summary>The owner of each effective layer, primed where Query and Key are exchanged ("0 1 0' 1'"), or null for
    /// a fine-tuning.</summary>
    public required string? Plan { get; init; }

    /// <summary>Encoder layers with parameters of their own (the student's k, or the teacher's layers).</summary>
    public required int OwnedLayers { get; init; }

    /// <summary>The PTP stage, when it ran; figures an older summary did not record are NaN (its best dev loss null).</summary>
    public required PtpStageResult? Ptp { get; init; }

    /// <summary>options.json less what varies between repeats of one method: the seeds, the loss weights asked for (the
    /// weights used are <see cref="KdLoss"/>), resume and device. Runs with equal settings and loss differ only in the seed.</summary>
    public required string Setting { get; init; }

    /// <summary>Embeddings, owned layers and pooler (the classifier excluded).</summary>
    public required long Parameters { get; init; }

    /// <summary>Encoder layers in the forward pass.</summary>
    public required int EffectiveDepth { get; init; }

    /// <summary>Seconds spent training.</summary>
    public required double TrainingSeconds { get; init; }

    /// <summary>The run's metrics (the student's, or the fine-tuned teacher's) by split.</summary>
    public required IReadOnlyDictionary<string, SplitMetrics> Metrics { get; init; }

    /// <summary>The class the "f1" metric scores, or null where the summary does not say (regression; runs before the
    /// positive label was recorded, which scored the second label of train's order of first appearance).</summary>
    public string? PositiveLabel { get; init; }

    /// <summary>The build that made the run (<see cref="DistillationResult.Code"/>), or null where its summary was
    /// written before builds were recorded.</summary>
    public string? Code { get; init; }

    /// <summary>Every metrics.jsonl line, in order.</summary>
    public required IReadOnlyList<MetricsEntry> Log { get; init; }

    /// <summary>The metrics of <paramref name="split"/>, empty when the run has none.</summary>
    public SplitMetrics MetricsOf(string split) => Metrics.TryGetValue(split, out SplitMetrics? values) ? values : NoMetrics;

    private static readonly SplitMetrics NoMetrics = new([]);

    /// <summary>Reads the finished run in <paramref name="folder"/> (it must hold summary.json).</summary>
    /// <param name="folder">The run folder.</param>
    /// <param name="sameFolders">Folders its options may name under another path, each with the path it stands for
    /// (the same files moved or copied), so that its setting matches runs that named the other; null for none.</param>
    public static RunSummary Read(string folder, IReadOnlyDictionary<string, string>? sameFolders = null)
    {
        // a sealed run: its log, predictions and options as the run wrote them (a fine-tuning's model is checked where it is loaded)
        Folders.SealedFolder.Verify(folder, which: name => !Folders.ModelFiles.Names.Contains(name));
        string summaryPath = Path.Combine(folder, "summary.json");
        JsonObject written = JsonFile.ReadSealed(summaryPath);
        string optionsPath = Path.Combine(folder, "options.json");
        JsonObject options = File.Exists(optionsPath) ? JsonFile.ReadObject(optionsPath) : [];
        bool distilled = JsonFile.GetString(written, "student", summaryPath) is not null;
        JsonObject summary = SummaryUpgrader.Upgrade(written, options, folder, out _);
        JsonObject? training = (options["distillation"] ?? options["training"]) as JsonObject;
        var shared = new Shared(Path.GetFullPath(folder), training is null ? null : JsonFile.GetValue<int>(training, "Seed", optionsPath), SettingOf(options, sameFolders),
            MetricsLog.Read(Path.Combine(folder, "metrics.jsonl")).Select(MetricsEntry.From).ToArray());
        return distilled
            ? Distilled(JsonFile.Deserialize<DistillationResult>(summary, summaryPath, SummaryUpgrader.ReadOptions), shared)
            : FineTuned(JsonFile.Deserialize<FineTuneResult>(summary, summaryPath, SummaryUpgrader.ReadOptions), shared);
    }

    /// <summary>What a run's folder says beside its summary: the folder, options.json's seed and setting, the log.</summary>
    private sealed record Shared(string Folder, int? Seed, string Setting, IReadOnlyList<MetricsEntry> Log);

    /// <summary>A distillation run: its student, and the KD weights its KD stage used (a 1-layer plain student's beta was forced to 0).</summary>
    private static RunSummary Distilled(DistillationResult result, Shared shared) => new()
    {
        Folder = shared.Folder,
        Model = result.Student,
        IsStudent = true,
        KdLoss = new KdSettings(result.Stages.Kd.Alpha, result.Stages.Kd.Temperature, result.Stages.Kd.Beta),
        Seed = shared.Seed,
        InitFrom = JsonNamingPolicy.SnakeCaseLower.ConvertName(result.Init.From.ToString()), // as summary.json spells it
        Plan = result.Plan,
        OwnedLayers = result.OwnedLayers,
        Ptp = result.Ptp ? result.Stages.Ptp : null,
        Setting = shared.Setting,
        Parameters = result.OwnedParameters,
        EffectiveDepth = result.EffectiveDepth,
        TrainingSeconds = result.TrainingSeconds,
        Metrics = Scored(result.Metrics),
        PositiveLabel = result.PositiveLabel,
        Code = result.Code,
        Log = shared.Log,
    };

    /// <summary>A teacher's fine-tuning.</summary>
    private static RunSummary FineTuned(FineTuneResult result, Shared shared) => new()
    {
        Folder = shared.Folder,
        Model = result.Model,
        IsStudent = false,
        KdLoss = null,
        Seed = shared.Seed,
        InitFrom = null,
        Plan = null,
        OwnedLayers = result.Layers,
        Ptp = null,
        Setting = shared.Setting,
        Parameters = result.Parameters,
        EffectiveDepth = result.EffectiveDepth,
        TrainingSeconds = result.TrainingSeconds,
        Metrics = Scored(result.Metrics),
        PositiveLabel = result.PositiveLabel,
        Code = result.Code,
        Log = shared.Log,
    };

    /// <summary>The splits scored: a summary without metrics has none, and a split whose metrics are null is left out.</summary>
    private static IReadOnlyDictionary<string, SplitMetrics> Scored(IReadOnlyDictionary<string, SplitMetrics>? metrics) =>
        (metrics ?? new Dictionary<string, SplitMetrics>()).Where(m => m.Value is not null).ToDictionary(m => m.Key, m => m.Value);

    /// <summary>Every finished run under <paramref name="root"/> (folders holding summary.json), in path order.</summary>
    /// <param name="root">The folder searched.</param>
    /// <param name="sameFolders">As <see cref="Read"/>'s.</param>
    public static IReadOnlyList<RunSummary> FindAll(string root, IReadOnlyDictionary<string, string>? sameFolders = null)
    {
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"{root}: folder not found.");
        }
        var walk = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            AttributesToSkip = FileAttributes.ReparsePoint, // links are not followed: a loop would never end, a link to a run would count it twice
            IgnoreInaccessible = false, // an unreadable folder is an error naming it, not runs silently missing
            MatchType = MatchType.Simple,
        };
        return Directory.EnumerateFiles(root, "summary.json", walk).Order(StringComparer.Ordinal)
            .Select(path => Read(Path.GetDirectoryName(path)!, sameFolders)).ToArray();
    }

    /// <summary>What a run computed, as options.json says it, less what tells runs of one setting apart (the seed, and the
    /// KD weights, which name the variant) and what changes nothing computed (<see cref="RunFolder.BookkeepingKeys"/>);
    /// a null value counts as absent.</summary>
    internal static string SettingOf(JsonObject options, IReadOnlyDictionary<string, string>? sameFolders = null)
    {
        JsonObject setting = options.DeepClone().AsObject();
        if (sameFolders is { Count: > 0 })
        {
            ReadAsSameFolders(setting, sameFolders);
        }
        // the positive label changes which class F1 reports, not what was computed for the task's tsv and GLUE defaults;
        // a report refuses runs that score F1 of different classes (RunSummary.PositiveLabel) rather than group them apart
        foreach (string key in RunFolder.BookkeepingKeys.Concat(["alpha", "temperature", "beta", "positive_label"]))
        {
            setting.Remove(key);
        }
        foreach (JsonObject stage in setting.Select(p => p.Value).OfType<JsonObject>())
        {
            stage.Remove("Seed");
            RemoveNulls(stage);
        }
        RemoveNulls(setting); // a key an older version did not write reads as null, as a resume compares them
        return setting.ToJsonString();

        // a path value (at any depth) that names one of the folders is read as the folder it stands for
        static void ReadAsSameFolders(JsonObject level, IReadOnlyDictionary<string, string> same)
        {
            foreach ((string key, JsonNode? value) in level.ToArray())
            {
                if (value is JsonObject inner)
                {
                    ReadAsSameFolders(inner, same);
                }
                else if (value is JsonValue text && text.GetValueKind() == JsonValueKind.String
                    && same.TryGetValue(text.GetValue<string>().TrimEnd('/'), out string? standsFor))
                {
                    level[key] = standsFor.TrimEnd('/');
                }
            }
        }

        static void RemoveNulls(JsonObject level)
        {
            foreach (string key in level.Where(p => p.Value is null).Select(p => p.Key).ToArray())
            {
                level.Remove(key);
            }
        }
    }
}
