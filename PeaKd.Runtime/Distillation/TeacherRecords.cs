using PeaKd.Training;

namespace PeaKd.Distillation;

/// <summary>
/// The teacher record as a step of its own: computed once into a folder that runs then only read
/// (<see cref="PipelineOptions.RecordFolder"/>), whole or as shards merged into the same record.
/// </summary>
/// <remarks>
/// A shard holds a contiguous range of each split's rows, cut at multiples of <see cref="TeacherRecordOptions.EvalBatchSize"/>,
/// so its teacher passes are the very batches of the whole pass and the merged record equals the unsharded one
/// (bit for bit on the CPU). Its files are named record-{split}.shard-{i}-of-{n}, so shards of different counts
/// never mix. Every file is written atomically under a lock of its own in the record folder: a second process asked
/// for the same record waits for the first and reuses what it wrote.
/// </remarks>
public static class TeacherRecords
{
    /// <summary>Computes the record (or the shard <see cref="TeacherRecordOptions.Shard"/> asks for) into
    /// <see cref="TeacherRecordOptions.RecordFolder"/>; a split whose record is already there for the same teacher,
    /// data, vocabulary, length, precision and [CLS] dtype is reused. The options are checked first, against the teacher
    /// and the data too, before anything is written.</summary>
    /// <param name="options">What to record.</param>
    /// <param name="progress">Receives notes (a split reused, a wait for another process); null for none.</param>
    /// <param name="cancellationToken">Stops between teacher batches; what was written is complete, and a rerun computes the rest.</param>
    public static TeacherRecordResult Compute(TeacherRecordOptions options, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        using TeacherRecordStep step = TeacherRecordStep.Prepare(options, progress, cancellationToken);
        return step.Compute();
    }

    /// <summary>Merges the <paramref name="shardCount"/> shards computed with <paramref name="options"/> (each with its
    /// <see cref="TeacherRecordOptions.Shard"/>; here it is null) into the ordinary record files a run reads, then
    /// removes the shards. Every shard must be there, for the same key, and together cover each split's rows exactly once.</summary>
    /// <param name="options">The options the shards were computed with, <see cref="TeacherRecordOptions.Shard"/> null.</param>
    /// <param name="shardCount">How many shards the record was cut into.</param>
    /// <param name="progress">Receives notes; null for none.</param>
    /// <param name="cancellationToken">Stops between splits.</param>
    /// <exception cref="FileNotFoundException">A shard is missing, or there is nothing to merge (the record is merged already).</exception>
    /// <exception cref="InvalidDataException">A shard was computed with other settings, or the shards do not cover a split exactly once.</exception>
    public static TeacherRecordResult Merge(TeacherRecordOptions options, int shardCount, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Shard is not null)
        {
            throw new Options.InvalidOptionException($"{nameof(TeacherRecordOptions)}.{nameof(TeacherRecordOptions.Shard)}",
                $"is {options.Shard}, but a merge reads every shard; leave it null.");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(shardCount, 1);
        using TeacherRecordStep step = TeacherRecordStep.Prepare(options, progress, cancellationToken);
        return step.Merge(shardCount);
    }
}
