using PeaKd.Data;
using PeaKd.Devices;
using PeaKd.Options;
using PeaKd.Precision;
using PeaKd.Training;

namespace PeaKd.Distillation;

/// <summary>
/// The teacher record as a step of its own (<see cref="TeacherRecords.Compute"/>): a fine-tuned teacher's logits and
/// per-layer [CLS] states over train and dev, written to <see cref="RecordFolder"/> before any run, which then reuses
/// it (<see cref="PipelineOptions.RecordFolder"/>). The defaults are <see cref="PipelineOptions"/>' own, so the same
/// settings make the record a run would make; <see cref="From"/> takes them from a run's options.
/// <see cref="Validate"/> checks every value; a bad one is an <see cref="InvalidOptionException"/> naming its property.
/// </summary>
public sealed record TeacherRecordOptions
{
    private static readonly OptionPath Name = new(nameof(TeacherRecordOptions));

    /// <summary>The task's examples, as the runs that reuse the record read them.</summary>
    public required DataSource Data { get; init; }

    /// <summary>The fine-tuned teacher's folder (<see cref="PeaKdPipeline.FineTune"/>).</summary>
    public required string Teacher { get; init; }

    /// <summary>Where the record is written: the folder runs name as their <see cref="PipelineOptions.RecordFolder"/>.</summary>
    public required string RecordFolder { get; init; }

    /// <summary>Tokens per example, special tokens included (<see cref="PipelineOptions.MaxLength"/>).</summary>
    public int MaxLength { get; init; } = 128;

    /// <summary>Record only a stratified sample of N training examples, as a run with <see cref="PipelineOptions.LimitTrain"/> does; null for all.</summary>
    public int? LimitTrain { get; init; }

    /// <summary>How the record stores the [CLS] states (<see cref="PipelineOptions.RecordDtype"/>).</summary>
    public RecordDtype RecordDtype { get; init; } = RecordDtype.Fp32;

    /// <summary>Where the teacher runs.</summary>
    public DeviceChoice Device { get; init; } = DeviceChoice.Auto;

    /// <summary>How the teacher pass computes; part of the record's key (<see cref="PipelineOptions.Precision"/>).
    /// Auto resolves by the device, so shards and their merge should name fp32 or bf16 where machines differ.</summary>
    public PrecisionChoice Precision { get; init; } = PrecisionChoice.Fp32;

    /// <summary>Examples per teacher forward pass (a run uses its <see cref="PipelineOptions.KdTraining"/>'
    /// <see cref="TrainingOptions.EvalBatchSize"/>). Shards are cut at multiples of it, so each computes the very
    /// batches the whole pass would.</summary>
    public int EvalBatchSize { get; init; } = DefaultEvalBatchSize;

    /// <summary>Compute only this shard's rows of each split (merged by <see cref="TeacherRecords.Merge"/>); null for the whole record.</summary>
    public TeacherRecordShard? Shard { get; init; }

    private static readonly int DefaultEvalBatchSize = new TrainingOptions().EvalBatchSize;

    /// <summary>The record a run with <paramref name="options"/> reads from its <see cref="PipelineOptions.RecordFolder"/>:
    /// the same data, teacher, length, limit, [CLS] dtype, device, precision and batch size.</summary>
    /// <exception cref="InvalidOptionException">The run fine-tunes its teacher (there is none to record yet), or
    /// records in its own folder (no <see cref="PipelineOptions.RecordFolder"/>).</exception>
    public static TeacherRecordOptions From(PipelineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var run = new OptionPath(nameof(PipelineOptions));
        if (options.FineTuneTeacher)
        {
            throw new InvalidOptionException(run / nameof(PipelineOptions.FineTuneTeacher),
                "is set, so the run records the teacher it fine-tunes, which does not exist yet; record the fine-tuned teacher's folder instead.");
        }
        return new TeacherRecordOptions
        {
            Data = options.Data,
            Teacher = options.Teacher,
            RecordFolder = options.RecordFolder ?? throw new InvalidOptionException(run / nameof(PipelineOptions.RecordFolder),
                "is null, so the run records its teacher in its own folder; set the shared folder the record is computed into."),
            MaxLength = options.MaxLength,
            LimitTrain = options.LimitTrain,
            RecordDtype = options.RecordDtype,
            Device = options.Device,
            Precision = options.Precision,
            EvalBatchSize = options.KdTraining.EvalBatchSize,
        };
    }

    /// <summary>Checks every value on its own (no file is read); throws <see cref="InvalidOptionException"/> naming the
    /// first invalid property. The checks against the teacher and the data run in <see cref="TeacherRecords.Compute"/>,
    /// before anything is written.</summary>
    public void Validate()
    {
        DataSource.CheckSet(Name / nameof(Data), Data);
        OptionCheck.NotEmpty(Name / nameof(Teacher), Teacher, "the fine-tuned teacher's folder");
        OptionCheck.NotEmpty(Name / nameof(RecordFolder), RecordFolder, "the folder the record is written to");
        OptionCheck.NotTheSameFolder(Name / nameof(RecordFolder), RecordFolder, Name / nameof(Teacher), Teacher);
        RunOptionCheck.RunSettings(Name, MaxLength, LimitTrain, Device, Precision);
        OptionCheck.Defined(Name / nameof(RecordDtype), RecordDtype);
        OptionCheck.AtLeast(Name / nameof(EvalBatchSize), EvalBatchSize, 1);
        if (Shard is { } shard)
        {
            OptionCheck.AtLeast(Name / nameof(Shard) / nameof(TeacherRecordShard.Count), shard.Count, 1);
            if (shard.Index < 0 || shard.Index >= shard.Count)
            {
                throw new InvalidOptionException(Name / nameof(Shard),
                    $"is {shard}, but the shards of {shard.Count} are numbered 0 to {shard.Count - 1}; give an index in that range.");
            }
        }
    }

    /// <summary>Its properties and their values.</summary>
    public override string ToString() => RecordText.Of(this);
}

/// <summary>One of <see cref="Count"/> parts of a record: a contiguous range of each split's rows, cut at
/// multiples of the batch size, so shard <see cref="Index"/> can run on a machine of its own.</summary>
/// <param name="Index">The shard, from 0 to <paramref name="Count"/> - 1 (a Slurm array task's id, say).</param>
/// <param name="Count">The shards the record is cut into; at least 1.</param>
public sealed record TeacherRecordShard(int Index, int Count)
{
    /// <summary>"index/count", such as 0/3.</summary>
    public override string ToString() => $"{Index}/{Count}";
}
