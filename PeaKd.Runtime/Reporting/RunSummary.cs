using System.Text.Json;
using System.Text.Json.Nodes;
using PeaKd.Distillation;
using PeaKd.Runs;
using PeaKd.IO;
using PeaKd.Training;

namespace PeaKd.Reporting;

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

    /// <summary>The KD weights the run used (its KD stage's, where a 1-layer plain student's beta was forced to 0; older
    /// runs: options.json's), or null for a fine-tuning.</summary>
    public required KdSettings? Kd { get; init; }

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

    /// <summary>The PTP stage's outcome, when it ran.</summary>
    public required PtpOutcome? Ptp { get; init; }

    /// <summary>options.json less what varies between repeats of one method: the seeds, the loss weights asked for (the
    /// weights used are <see cref="Kd"/>), resume and device. Runs with equal settings and loss differ only in the seed.</summary>
    public required string Setting { get; init; }

    /// <summary>Embeddings, owned layers and pooler (the classifier excluded).</summary>
    public required long Parameters { get; init; }

    /// <summary>Encoder layers in the forward pass.</summary>
    public required int EffectiveDepth { get; init; }

    /// <summary>Seconds spent training.</summary>
    public required double TrainingSeconds { get; init; }

    /// <summary>Metrics by split, then by name.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> Metrics { get; init; }

    /// <summary>The class the "f1" metric scores, or null where the summary does not say (regression; runs before the
    /// positive label was recorded, which scored the second label of train's order of first appearance).</summary>
    public string? PositiveLabel { get; init; }

    /// <summary>Every metrics.jsonl line, in order.</summary>
    public required IReadOnlyList<MetricsEntry> Log { get; init; }

    /// <summary>The metrics of <paramref name="split"/>, empty when the run has none.</summary>
    public IReadOnlyDictionary<string, double> MetricsOf(string split) =>
        Metrics.TryGetValue(split, out IReadOnlyDictionary<string, double>? values) ? values : new Dictionary<string, double>();

    /// <summary>Reads the finished run in <paramref name="folder"/> (it must hold summary.json).</summary>
    public static RunSummary Read(string folder)
    {
        // a sealed run: its log, predictions and options as the run wrote them (a fine-tuning's model is checked where it is loaded)
        Folders.SealedFolder.Verify(folder, which: name => !Folders.ModelFiles.Names.Contains(name));
        string summaryPath = Path.Combine(folder, "summary.json");
        JsonObject summary = JsonFile.ReadSealed(summaryPath);
        string optionsPath = Path.Combine(folder, "options.json");
        JsonObject options = File.Exists(optionsPath) ? JsonFile.ReadObject(optionsPath) : [];
        string? student = JsonFile.GetString(summary, "student", summaryPath);
        JsonObject kdStage = summary["stages"]?["kd"] as JsonObject ?? options; // older summaries have no stages
        string kdPath = summary["stages"]?["kd"] is JsonObject ? summaryPath : optionsPath;
        KdSettings? kd = student is null ? null : new KdSettings(
            JsonFile.GetValue<double>(kdStage, "alpha", kdPath) ?? double.NaN,
            JsonFile.GetValue<double>(kdStage, "temperature", kdPath) ?? double.NaN,
            JsonFile.GetValue<double>(kdStage, "beta", kdPath) ?? double.NaN);
        JsonObject? training = (options["distillation"] ?? options["training"]) as JsonObject;
        bool ran = JsonFile.GetValue<bool>(summary, "ptp", summaryPath) ?? false;
        return new RunSummary
        {
            Folder = Path.GetFullPath(folder),
            Model = student ?? JsonFile.GetString(summary, "model", summaryPath) ?? Path.GetFileName(Path.GetFullPath(folder)),
            IsStudent = student is not null,
            Kd = kd,
            Seed = training is null ? null : JsonFile.GetValue<int>(training, "Seed", optionsPath),
            InitFrom = student is null ? null : JsonFile.GetString(summary["init"] as JsonObject ?? [], "from", summaryPath) ?? "teacher",
            Plan = JsonFile.GetString(summary, "plan", summaryPath),
            OwnedLayers = JsonFile.GetValue<int>(summary, "owned_layers", summaryPath) ?? JsonFile.GetValue<int>(summary, "layers", summaryPath) ?? 0,
            Ptp = ran ? PtpOutcome.From(summary["stages"]?["ptp"] as JsonObject, summaryPath) : null,
            Setting = SettingOf(options),
            PositiveLabel = JsonFile.GetString(summary, "positive_label", summaryPath),
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
        var walk = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            AttributesToSkip = FileAttributes.ReparsePoint, // links are not followed: a loop would never end, a link to a run would count it twice
            IgnoreInaccessible = false, // an unreadable folder is an error naming it, not runs silently missing
            MatchType = MatchType.Simple,
        };
        return Directory.EnumerateFiles(root, "summary.json", walk).Order(StringComparer.Ordinal)
            .Select(path => Read(Path.GetDirectoryName(path)!)).ToArray();
    }

    /// <summary>What a run computed, as options.json says it, less what tells runs of one setting apart (the seed, and the
    /// KD weights, which name the variant) and what changes nothing computed (<see cref="RunFolder.BookkeepingKeys"/>);
    /// a null value counts as absent.</summary>
    internal static string SettingOf(JsonObject options)
    {
        JsonObject setting = options.DeepClone().AsObject();
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

        static void RemoveNulls(JsonObject level)
        {
            foreach (string key in level.Where(p => p.Value is null).Select(p => p.Key).ToArray())
            {
                level.Remove(key);
            }
        }
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

/// <summary>What a run's PTP stage did, as its summary records it; figures an older summary lacks are NaN.</summary>
/// <param name="T1">The confidence threshold of right predictions.</param>
/// <param name="T2">The confidence threshold of wrong ones.</param>
/// <param name="TrainLabelCounts">Training examples per PTP class.</param>
/// <param name="BestDevLoss">The lowest dev PTP loss (nats).</param>
/// <param name="DevPriorLoss">The dev loss of predicting train's class frequencies alone.</param>
/// <param name="DevPriorEntropy">The entropy of dev's class frequencies.</param>
public sealed record PtpOutcome(double T1, double T2, IReadOnlyList<int> TrainLabelCounts, double BestDevLoss, double DevPriorLoss, double DevPriorEntropy)
{
    /// <summary>Whether the kept encoder's dev loss is below that of train's class frequencies alone.</summary>
    public bool Learned => BestDevLoss < DevPriorLoss;

    internal static PtpOutcome From(JsonObject? stage, string path)
    {
        stage ??= [];
        double Value(string field) => JsonFile.GetValue<double>(stage, field, path) ?? double.NaN;
        int[] counts = stage["train_label_counts"] is JsonArray array
            ? array.Select(c => c is JsonValue v && v.TryGetValue(out int n) ? n : 0).ToArray() : [];
        return new PtpOutcome(Value("t1"), Value("t2"), counts, Value("best_dev_loss"), Value("dev_prior_loss"), Value("dev_prior_entropy"));
    }
}
