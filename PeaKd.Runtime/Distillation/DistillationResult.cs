using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using PeaKd.Data.Metrics;
using PeaKd.Options;

namespace PeaKd.Distillation;

/// <summary>
/// What a Pea-KD run produced (<see cref="PeaKdPipeline.Run"/>); the run folder's summary.json holds the same values.
/// The student's metrics: <c>result.Dev.Accuracy</c>, <c>result.Test?.F1</c>, and every labelled split in <see cref="Metrics"/>.
/// </summary>
public sealed record DistillationResult
{
    /// <summary>The task's name (SST-2, tsv, memory, ...).</summary>
    public required string Task { get; init; }

    /// <summary>The class the "f1" metric scores (<see cref="Data.Tasks.TaskDefinition.PositiveLabel"/>); null for regression.</summary>
    public string? PositiveLabel { get; init; }

    /// <summary>What a reader of the metrics should know: a model that predicts one class for a whole split, say.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>The student's name.</summary>
    public required string Student { get; init; }

    /// <summary>The owner of each effective layer, primed where Query and Key are exchanged ("0 1 0' 1'").</summary>
    public required string Plan { get; init; }

    /// <summary>Encoder layers with parameters of their own.</summary>
    public required int OwnedLayers { get; init; }

    /// <summary>Encoder layers in the forward pass.</summary>
    public required int EffectiveDepth { get; init; }

    /// <summary>Parameters of embeddings, owned layers and pooler (the classifier excluded), the paper's count.</summary>
    public required long OwnedParameters { get; init; }

    /// <summary>Every stored parameter, the classifier included.</summary>
    public required long ParametersWithClassifier { get; init; }

    /// <summary>The teacher the student learned from.</summary>
    public required TeacherSummary Teacher { get; init; }

    /// <summary>Where the student started: the model and the layers copied from it.</summary>
    public required StudentInitSummary Init { get; init; }

    /// <summary>Whether PTP ran (not for regression tasks).</summary>
    public required bool Ptp { get; init; }

    /// <summary>The student's metrics on every labelled split but train (dev, test when labelled, MNLI's dev_mismatched), by split.</summary>
    public required IReadOnlyDictionary<string, SplitMetrics> Metrics { get; init; }

    /// <summary>The student's dev metrics (every run scores dev: it picks the best checkpoint).</summary>
    [JsonIgnore]
    public SplitMetrics Dev => Metrics["dev"];

    /// <summary>The student's test metrics, or null when the test split is unlabelled (GLUE's).</summary>
    [JsonIgnore]
    public SplitMetrics? Test => Metrics.GetValueOrDefault("test");

    /// <summary>Each stage's result.</summary>
    public required DistillationStages Stages { get; init; }

    /// <summary>Seconds spent training, over every stage.</summary>
    public required double TrainingSeconds { get; init; }

    /// <summary>Training examples per second over every stage.</summary>
    public required double ExamplesPerSecond { get; init; }

    /// <summary>Seconds the whole run took (this process's part of it, when resumed).</summary>
    public required double WallSeconds { get; init; }

    /// <summary>cpu or cuda.</summary>
    public required string Device { get; init; }

    /// <summary>CPU threads libtorch used.</summary>
    public required int Threads { get; init; }

    /// <summary>fp32 or bf16: how the stages computed.</summary>
    public required string Precision { get; init; }

    /// <summary>On the CPU, whether PeaKd answered MKL's vendor check in the process that finished the run
    /// (<see cref="PeaKd.Native.MklFastPathState"/>: Active, NotNeeded, TurnedOff, ...), since fp32 products differ in
    /// their last bits between MKL's code paths; null on a GPU and in summaries written before it was recorded.</summary>
    public string? MklFastPath { get; init; }

    /// <summary>The build that made the run: 12 hex digits of the SHA-256 of PeaKd's runtime assembly and the
    /// application's (the same sources build to the same bytes); null in summaries written before it was recorded.
    /// A report warns when a comparison pairs runs of different builds.</summary>
    public string? Code { get; init; }

    /// <summary>Where the run's outputs are.</summary>
    public required RunPaths Paths { get; init; }

    /// <summary>summary.json's content: these values with snake_case names.</summary>
    internal JsonObject ToJson() => JsonSerializer.SerializeToNode(this, ResultJson.Options)!.AsObject();

    /// <summary>Its properties and their values, lists and dictionaries with their items.</summary>
    public override string ToString() => RecordText.Of(this);
}

/// <summary>The teacher of a run.</summary>
/// <param name="Folder">The fine-tuned teacher's folder.</param>
/// <param name="Layers">Its encoder layers.</param>
/// <param name="Parameters">Embeddings, layers and pooler (the classifier excluded).</param>
/// <param name="Metrics">Its metrics on every labelled split but train, by split.</param>
public sealed record TeacherSummary(string Folder, int Layers, long Parameters, IReadOnlyDictionary<string, SplitMetrics> Metrics)
{
    /// <summary>The teacher's dev metrics.</summary>
    [JsonIgnore]
    public SplitMetrics Dev => Metrics["dev"];

    /// <summary>The teacher's test metrics, or null when the test split is unlabelled.</summary>
    [JsonIgnore]
    public SplitMetrics? Test => Metrics.GetValueOrDefault("test");

    /// <summary>Its properties and their values, lists and dictionaries with their items.</summary>
    public override string ToString() => RecordText.Of(this);
}

/// <summary>Where a student started.</summary>
/// <param name="From">The pretrained model or the teacher.</param>
/// <param name="Folder">That model's folder.</param>
/// <param name="Layers">Its layers copied into the student's owned layers, in order.</param>
public sealed record StudentInitSummary(StudentInit From, string Folder, IReadOnlyList<int> Layers)
{
    /// <summary>Its properties and their values, lists and dictionaries with their items.</summary>
    public override string ToString() => RecordText.Of(this);
}

/// <summary>The stages of a run.</summary>
/// <param name="FineTune">The teacher's fine-tuning, when the run did it.</param>
/// <param name="Ptp">PTP, when it ran.</param>
/// <param name="Kd">Knowledge distillation.</param>
public sealed record DistillationStages(
    [property: JsonPropertyName("finetune")] StageResult? FineTune,
    PtpStageResult? Ptp,
    KdStageResult Kd)
{
    /// <summary>Its properties and their values, lists and dictionaries with their items.</summary>
    public override string ToString() => RecordText.Of(this);
}

/// <summary>The files a run wrote.</summary>
/// <param name="Run">The run folder.</param>
/// <param name="Student">The student folder (loads with <see cref="Inference.TextClassifier.Load"/>).</param>
/// <param name="Teacher">The teacher folder the run used.</param>
/// <param name="Predictions">predictions-{split}.tsv by split.</param>
public sealed record RunPaths(string Run, string Student, string Teacher, IReadOnlyDictionary<string, string> Predictions)
{
    /// <summary>Its properties and their values, lists and dictionaries with their items.</summary>
    public override string ToString() => RecordText.Of(this);
}

/// <summary>How results are written as JSON: snake_case names, as Hugging Face's files spell them.</summary>
internal static class ResultJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, // a stage that did not run is left out, as before
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) }, // "init": { "from": "pretrained" }
    };
}
