using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using PeaKd.Data.Metrics;
using PeaKd.Options;

namespace PeaKd.Distillation;

/// <summary>A fine-tuned teacher (<see cref="PeaKdPipeline.FineTune"/>); its folder's summary.json holds the same values.</summary>
public sealed record FineTuneResult
{
    /// <summary>The task's name.</summary>
    public required string Task { get; init; }

    /// <summary>The class the "f1" metric scores (<see cref="Data.Tasks.TaskDefinition.PositiveLabel"/>); null for regression.</summary>
    public string? PositiveLabel { get; init; }

    /// <summary>What a reader of the metrics should know: a model that predicts one class for a whole split, say.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>What the folder holds: "teacher" (reports tell teachers from students by it).</summary>
    public string Model => "teacher";

    /// <summary>The teacher folder (loads with <see cref="Inference.TextClassifier.Load"/>, distils with <see cref="PeaKdPipeline.Run"/>).</summary>
    public required string Folder { get; init; }

    /// <summary>Encoder layers.</summary>
    public required int Layers { get; init; }

    /// <summary>Encoder layers in the forward pass (the same as <see cref="Layers"/> for a teacher).</summary>
    public int EffectiveDepth => Layers;

    /// <summary>Embeddings, layers and pooler (the classifier excluded).</summary>
    public required long Parameters { get; init; }

    /// <summary>The teacher's metrics on every labelled split but train, by split.</summary>
    public required IReadOnlyDictionary<string, SplitMetrics> Metrics { get; init; }

    /// <summary>The teacher's dev metrics (dev picks the best checkpoint, so it is always scored).</summary>
    [JsonIgnore]
    public SplitMetrics Dev => Metrics["dev"];

    /// <summary>The teacher's test metrics, or null when the test split is unlabelled.</summary>
    [JsonIgnore]
    public SplitMetrics? Test => Metrics.GetValueOrDefault("test");

    /// <summary>The fine-tuning stage.</summary>
    public required StageResult Stage { get; init; }

    /// <summary>Seconds spent training.</summary>
    public double TrainingSeconds => Stage.Seconds;

    /// <summary>Training examples per second.</summary>
    public double ExamplesPerSecond => Stage.ExamplesPerSecond;

    /// <summary>cpu or cuda.</summary>
    public required string Device { get; init; }

    /// <summary>fp32 or bf16.</summary>
    public required string Precision { get; init; }

    /// <summary>On the CPU, whether PeaKd answered MKL's vendor check (<see cref="PeaKd.Native.MklFastPathState"/>);
    /// null on a GPU and in summaries written before it was recorded.</summary>
    public string? MklFastPath { get; init; }

    /// <summary>The build that made the run (<see cref="DistillationResult.Code"/>); null in older summaries.</summary>
    public string? Code { get; init; }

    /// <summary>summary.json's content.</summary>
    internal JsonObject ToJson() => JsonSerializer.SerializeToNode(this, ResultJson.Options)!.AsObject();

    /// <summary>Its properties and their values, lists and dictionaries with their items.</summary>
    public override string ToString() => RecordText.Of(this);
}
