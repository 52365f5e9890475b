using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using PeaKd.Distillation;
using PeaKd.IO;

namespace PeaKd.Reporting.Records;

/// <summary>
/// summary.json in the shape this version writes, from any version's, so that every run's summary deserializes into
/// the types that write it (<see cref="DistillationResult"/>, <see cref="FineTuneResult"/>). Summaries carry no version
/// number (adding one would change what runs write), so each older shape PeaKd's writers produced is recognised by its
/// structure and brought forward by a named <see cref="Step"/>, in order. A step restores what can be derived (where a
/// student started before the choice existed) and marks a figure an older version never recorded as unknown (NaN); it
/// never invents a measurement. Other fields an older version did not write read as their type's default (null, 0).
/// </summary>
internal static class SummaryUpgrader
{
    /// <summary>One upgrade of an older shape.</summary>
    /// <param name="Name">What it does, for tests and messages.</param>
    /// <param name="Written">Which versions wrote the shape it upgrades.</param>
    /// <param name="Applies">Whether a summary has that shape.</param>
    /// <param name="Apply">Brings the summary forward, in place.</param>
    internal sealed record Step(string Name, string Written, Func<JsonObject, bool> Applies, Action<Upgrading> Apply);

    /// <summary>A summary being upgraded, with the run's options.json (where older summaries left some facts) and its folder.</summary>
    internal sealed record Upgrading(JsonObject Summary, JsonObject Options, string Folder)
    {
        public string OptionsPath => Path.Combine(Folder, "options.json");
    }

    /// <summary>How an upgraded summary deserializes: as results are written, with "NaN" read as a figure not recorded
    /// and no field required (a field an older version did not write reads as its default).</summary>
    public static JsonSerializerOptions ReadOptions { get; } = new(ResultJson.Options)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { NothingRequired } },
    };

    private static void NothingRequired(JsonTypeInfo type)
    {
        foreach (JsonPropertyInfo property in type.Properties)
        {
            property.IsRequired = false;
        }
    }

    /// <summary>A figure an older summary does not record: read as <see cref="double.NaN"/>, shown as unknown.</summary>
    private static JsonNode NotRecorded => JsonValue.Create("NaN");

    private static readonly string[] PtpFigures = ["t1", "t2", "train_prior_entropy", "dev_prior_entropy", "dev_prior_loss"];
    private static readonly string[] PtpCounts = ["train_label_counts", "dev_label_counts"];
    private static readonly string[] KdWeights = ["alpha", "temperature", "beta"];

    /// <summary>Every step, in the order they apply.</summary>
    public static IReadOnlyList<Step> Steps { get; } =
    [
        new("teacher metrics by split", "the first pipeline (40fc5c2 to b9f160b) kept the teacher's dev metrics in teacher.dev",
            summary => IsStudent(summary) && summary["teacher"] is JsonObject teacher && teacher["dev"] is not null && teacher["metrics"] is null,
            upgrading =>
            {
                var teacher = upgrading.Summary["teacher"]!.AsObject();
                JsonNode dev = teacher["dev"]!;
                teacher.Remove("dev");
                teacher["metrics"] = new JsonObject { ["dev"] = dev };
            }),
        new("students started from the teacher", "versions before students could start from the pretrained model (to 01bb9aa) wrote no init",
            summary => IsStudent(summary) && (summary["init"] is null || summary["init"] is JsonObject init && init["from"] is null),
            upgrading =>
            {
                JsonObject summary = upgrading.Summary;
                var init = summary["init"] as JsonObject ?? [];
                init["from"] = "teacher";
                if (init["folder"] is null && summary["teacher"] is JsonObject teacher && teacher["folder"] is JsonValue folder)
                {
                    init["folder"] = folder.DeepClone(); // the teacher the run distilled
                }
                if (init["layers"] is null && InitLayers(upgrading) is JsonArray layers)
                {
                    init["layers"] = layers;
                }
                summary["init"] = init;
            }),
        new("PTP figures not recorded", "versions before PTP's label priors were recorded (to 01bb9aa) wrote PTP's thresholds and train counts only",
            summary => IsStudent(summary) && summary["ptp"] is JsonValue ran && ran.GetValueKind() == JsonValueKind.True
                && (summary["stages"] is null || summary["stages"] is JsonObject stages
                    && (stages["ptp"] is null || stages["ptp"] is JsonObject ptp && PtpFigures.Concat(PtpCounts).Any(field => ptp[field] is null))),
            upgrading =>
            {
                JsonObject ptp = Member(Member(upgrading.Summary, "stages"), "ptp");
                foreach (string figure in PtpFigures.Where(field => ptp[field] is null))
                {
                    ptp[figure] = NotRecorded;
                }
                foreach (string counts in PtpCounts.Where(field => ptp[field] is null))
                {
                    ptp[counts] = new JsonArray();
                }
            }),
        new("KD stage from options", "a summary without a KD stage (none of PeaKd's writers; reports read such a run's weights from options.json)",
            summary => IsStudent(summary)
                && (summary["stages"] is null || summary["stages"] is JsonObject stages && (stages["kd"] is null || stages["kd"] is JsonObject kd && KdWeights.Any(w => kd[w] is null))),
            upgrading =>
            {
                JsonObject stages = Member(upgrading.Summary, "stages");
                bool fromOptions = stages["kd"] is null;
                JsonObject kd = Member(stages, "kd");
                foreach (string weight in KdWeights.Where(w => kd[w] is null))
                {
                    double? asked = fromOptions ? JsonFile.GetValue<double>(upgrading.Options, weight, upgrading.OptionsPath) : null;
                    kd[weight] = asked is double value ? JsonValue.Create(value) : NotRecorded;
                }
            }),
        new("fine-tuning stage from its totals", "peakd finetune's first summaries (9874262 to b9f160b) recorded the training totals, no stage, folder or device",
            summary => !IsStudent(summary) && summary["stage"] is null,
            upgrading =>
            {
                JsonObject summary = upgrading.Summary;
                string path = Path.Combine(upgrading.Folder, "summary.json");
                var stage = new JsonObject();
                foreach (string total in new[] { "training_seconds", "examples_per_second" })
                {
                    if (JsonFile.GetValue<double>(summary, total, path) is double value)
                    {
                        stage[total == "training_seconds" ? "seconds" : total] = value;
                    }
                }
                summary["stage"] = stage;
                summary["folder"] ??= Path.GetFullPath(upgrading.Folder); // a fine-tuning's folder is its run folder
                summary["precision"] ??= "fp32"; // the only precision before bf16 (17a7f3f)
            }),
    ];

    /// <summary>The current shape of <paramref name="summary"/> (read from <paramref name="folder"/>, with that run's
    /// <paramref name="options"/>), and the names of the steps that brought it there; the input is left as it was.</summary>
    public static JsonObject Upgrade(JsonObject summary, JsonObject options, string folder, out IReadOnlyList<string> applied)
    {
        JsonObject current = summary.DeepClone().AsObject();
        var names = new List<string>();
        foreach (Step step in Steps)
        {
            if (step.Applies(current))
            {
                step.Apply(new Upgrading(current, options, folder));
                names.Add(step.Name);
            }
        }
        applied = names;
        return current;
    }

    /// <summary>A distillation run's summary (it names its student); a fine-tuning's names none.</summary>
    private static bool IsStudent(JsonObject summary) =>
        summary["student"] is JsonValue student && student.GetValueKind() == JsonValueKind.String;

    /// <summary>The object under <paramref name="name"/>, created when absent or null.</summary>
    private static JsonObject Member(JsonObject parent, string name)
    {
        if (parent[name] is not JsonObject member)
        {
            member = [];
            parent[name] = member;
        }
        return member;
    }

    /// <summary>The layers a student started from: options.json's init_layers, else its first owned layers.</summary>
    private static JsonArray? InitLayers(Upgrading upgrading)
    {
        if (upgrading.Options["init_layers"] is JsonArray asked && asked.All(l => l is JsonValue v && v.TryGetValue(out int _)))
        {
            return asked.DeepClone().AsArray();
        }
        return upgrading.Summary["owned_layers"] is JsonValue owned && owned.TryGetValue(out int k) && k >= 0
            ? new JsonArray(Enumerable.Range(0, k).Select(l => (JsonNode)l).ToArray())
            : null;
    }
}
