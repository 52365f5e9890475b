using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using PeaKd.Data.Metrics;
using PeaKd.IO;
using PeaKd.Options;

namespace PeaKd.Sweeps;

/// <summary>
/// A finished cell: what it was (student, recipe, settings, seed), what it scored, and what it costs to serve.
/// Written to the sweep folder's results/ID.json by atomic rename once everything else of the cell is in place, so
/// the file is the cell's done marker: a cell without it is unfinished, whatever its run folder holds. The file is
/// sealed (a SHA-256 of its values), so an edited or damaged result is refused, not ranked.
/// </summary>
public sealed record SweepCellResult
{
    /// <summary>The format of results/ID.json this version writes and reads.</summary>
    public const int CurrentFormat = 1;

    /// <summary>The file's format (<see cref="CurrentFormat"/>).</summary>
    public int Format { get; init; } = CurrentFormat;

    /// <summary>The cell's id (<see cref="SweepCell.Id"/>).</summary>
    public required string Id { get; init; }

    /// <summary>The student's name.</summary>
    public required string Student { get; init; }

    /// <summary>The recipe.</summary>
    public required SweepRecipe Recipe { get; init; }

    /// <summary>The seed of its KD and PTP training.</summary>
    public required int Seed { get; init; }

    /// <summary>The axes' values, by option name, in canonical text (<see cref="SweepCell.Settings"/>).</summary>
    public required IReadOnlyDictionary<string, string> Settings { get; init; }

    /// <summary>The parameters the student owns (embeddings, owned layers, pooler; the classifier excluded).</summary>
    public required long OwnedParameters { get; init; }

    /// <summary>The student's owned encoder layers.</summary>
    public required int OwnedLayers { get; init; }

    /// <summary>The layers a forward pass runs (twice the owned ones for shared students).</summary>
    public required int EffectiveDepth { get; init; }

    /// <summary>The student's metrics on every labelled split but train ("dev", "test").</summary>
    public required IReadOnlyDictionary<string, SplitMetrics> Metrics { get; init; }

    /// <summary>The class F1 is scored for, when the task has F1.</summary>
    public string? PositiveLabel { get; init; }

    /// <summary>The int8 ONNX export's size, speed and accuracy on this machine; null when not measured.</summary>
    public ServingCost? Serving { get; init; }

    /// <summary>Seconds spent in training steps (PTP and KD).</summary>
    public required double TrainingSeconds { get; init; }

    /// <summary>Seconds of the pipeline run's last attempt, start to summary: training plus data reading, tokenization,
    /// the teacher record's loading, initialisation and evaluation (0 when the run had finished before this attempt).</summary>
    public double RunSeconds { get; init; }

    /// <summary>Seconds the int8 export and its serving measurement took.</summary>
    public double ServingSeconds { get; init; }

    /// <summary>Seconds from the cell's start to its result, serving measurement included, over every attempt.</summary>
    public required double WallSeconds { get; init; }

    /// <summary>The attempts the cell took (1 when it ran through at once).</summary>
    public required int Attempts { get; init; }

    /// <summary>The sweep's identity (the hash in the sweep folder's sweep.json): the teacher and data the cell shares
    /// with every other cell of its sweep.</summary>
    public required string Sweep { get; init; }

    /// <summary>The PeaKd version that ran the cell.</summary>
    public required string PeakdVersion { get; init; }

    /// <summary>The build that ran the cell: 12 hex digits of the SHA-256 of PeaKd's runtime assembly and the
    /// application's (which declares the students). Cells of one front must share it.</summary>
    public required string Code { get; init; }

    /// <summary>When the cell finished.</summary>
    public required DateTimeOffset FinishedUtc { get; init; }

    /// <summary>Its properties and their values.</summary>
    public override string ToString() => RecordText.Of(this);

    internal static JsonSerializerOptions Json { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, // a field this version does not know is not silently dropped
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>Writes the result to <paramref name="path"/> by atomic rename, sealed.</summary>
    internal void Write(string path) =>
        JsonFile.WriteSealed(path, JsonSerializer.SerializeToNode(this, Json)!.AsObject());

    /// <summary>Reads a result written by <see cref="Write"/>: a damaged, edited or unsealed file, or another format,
    /// is a <see cref="CorruptFileException"/> naming it.</summary>
    /// <param name="path">A sweep folder's results/ID.json.</param>
    public static SweepCellResult Read(string path)
    {
        JsonObject json = JsonFile.ReadSealed(path, required: true);
        if (json["format"] is not JsonValue format || !format.TryGetValue(out int value) || value != CurrentFormat)
        {
            throw new CorruptFileException(path, $"its format is not {CurrentFormat}, the one this PeaKd reads; it was written by another version, or damaged.", "field 'format'");
        }
        SweepCellResult result = JsonFile.Deserialize<SweepCellResult>(json, path, Json);
        if (result.Id != Path.GetFileNameWithoutExtension(path))
        {
            throw new CorruptFileException(path, $"holds cell {result.Id}, not the cell its name says; it was copied or renamed.", "field 'id'");
        }
        return result;
    }
}

/// <summary>
/// What a student costs to serve, measured on its int8 ONNX export with ONNX Runtime on the machine that ran the cell.
/// Latencies depend on the CPU: compare them only between results with the same <see cref="CpuModel"/>.
/// </summary>
public sealed record ServingCost
{
    /// <summary>The CPU's model name (/proc/cpuinfo's "model name" on Linux).</summary>
    public required string CpuModel { get; init; }

    /// <summary>The intra-op threads ONNX Runtime used (for timing and scoring alike).</summary>
    public required int Threads { get; init; }

    /// <summary>The int8 ONNX file's size in bytes.</summary>
    public required long Int8FileBytes { get; init; }

    /// <summary>Tokens per example in the measurements: the length the student was trained at.</summary>
    public required int Length { get; init; }

    /// <summary>The median latency of one example (batch 1 at <see cref="Length"/>) in milliseconds: a full row of
    /// random tokens, not a task's text, so it is the time of the longest input the student takes.</summary>
    public required double LatencyMilliseconds { get; init; }

    /// <summary>The timed runs the median is over (after untimed warm-up runs).</summary>
    public required int LatencyRuns { get; init; }

    /// <summary>Examples per batch in the throughput measurement.</summary>
    public required int ThroughputBatch { get; init; }

    /// <summary>Examples per second at <see cref="ThroughputBatch"/> x <see cref="Length"/> (full rows), over a few
    /// timed batches after an untimed one.</summary>
    public required double ThroughputExamplesPerSecond { get; init; }

    /// <summary>The int8 model's metrics on the test split (dev when there is no labelled test split), as evaluating the
    /// export with <see cref="Inference.TextClassifier"/> scores them: the task's texts at <see cref="Length"/>.</summary>
    public required SplitMetrics Int8Metrics { get; init; }

    /// <summary>The split <see cref="Int8Metrics"/> were scored on.</summary>
    public required string Int8Split { get; init; }

    /// <summary>Its properties and their values.</summary>
    public override string ToString() => RecordText.Of(this);
}
