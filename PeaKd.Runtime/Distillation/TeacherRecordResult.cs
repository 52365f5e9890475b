using PeaKd.Options;

namespace PeaKd.Distillation;

/// <summary>What <see cref="TeacherRecords.Compute"/> or <see cref="TeacherRecords.Merge"/> did: one entry per split recorded (train, dev).</summary>
public sealed record TeacherRecordResult
{
    /// <summary>The record folder.</summary>
    public required string Folder { get; init; }

    /// <summary>The shard computed; null for a whole record or a merge.</summary>
    public TeacherRecordShard? Shard { get; init; }

    /// <summary>Each split's file and what became of it, train first.</summary>
    public required IReadOnlyList<TeacherRecordFile> Splits { get; init; }

    /// <summary>Its properties and their values, lists with their items.</summary>
    public override string ToString() => RecordText.Of(this);
}

/// <summary>One split's record file (a shard's part of it, or all of it).</summary>
public sealed record TeacherRecordFile
{
    /// <summary>The split: train or dev.</summary>
    public required string Split { get; init; }

    /// <summary>The tensor file (.safetensors); its metadata is the .json beside it.</summary>
    public required string Path { get; init; }

    /// <summary>The split's row the file starts at (0 but for a shard).</summary>
    public required int FirstRow { get; init; }

    /// <summary>Rows the file holds.</summary>
    public required int Examples { get; init; }

    /// <summary>Rows of the whole split.</summary>
    public required int SplitExamples { get; init; }

    /// <summary>Whether the file was computed, found and reused, or merged from shards.</summary>
    public required TeacherRecordOutcome Outcome { get; init; }

    /// <summary>Its properties and their values.</summary>
    public override string ToString() => RecordText.Of(this);
}

/// <summary>What became of a split's record file.</summary>
public enum TeacherRecordOutcome
{
    /// <summary>The teacher computed it now.</summary>
    Computed,

    /// <summary>It was there already, for the same key, intact (for a shard: the merged record was there, so no shard was needed).</summary>
    Reused,

    /// <summary>Merged now from its shards, which were then removed.</summary>
    Merged,
}
