using PeaKd.Checkpoints;
using PeaKd.Data;
using PeaKd.Data.Tokenization;
using PeaKd.Devices;
using PeaKd.Folders;
using PeaKd.Modeling;
using PeaKd.Options;
using PeaKd.Precision;
using PeaKd.Runs;
using PeaKd.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PeaKd.Distillation;

/// <summary>
/// One <see cref="TeacherRecords"/> call: its checks (those a distillation runs on a given teacher and its data, in
/// the same order and through the same code), then the whole record, a shard of it, or the merge of its shards.
/// The keys come from <see cref="TeacherRecordKey.For"/>, as a run's do, so a run with the same settings reuses it.
/// </summary>
internal sealed class TeacherRecordStep : IDisposable
{
    private static readonly OptionPath Options = new(nameof(TeacherRecordOptions));

    /// <summary>The splits a record holds: KD and PTP read train, PTP's dev loss and the teacher's dev score read dev, and
    /// the teacher's score on every other labelled split (test) reads that split's: runs sharing the folder read them
    /// all without running the teacher.</summary>
    private string[] Splits => _data.Splits.Where(d => d.Split is "train" or "dev" || d.HasLabels).Select(d => d.Split).ToArray();

    private readonly TeacherRecordOptions _options;
    private readonly Device _device;
    private readonly ComputePrecision _precision;
    private readonly LoadedCheckpoint _teacher;
    private readonly RunData _data;
    private readonly string _teacherHash;
    private readonly IProgress<TrainingProgress>? _progress;
    private readonly CancellationToken _cancellation;

    private TeacherRecordStep(TeacherRecordOptions options, Device device, ComputePrecision precision, LoadedCheckpoint teacher, RunData data,
        IProgress<TrainingProgress>? progress, CancellationToken cancellation)
    {
        (_options, _device, _precision, _teacher, _data, _progress, _cancellation) = (options, device, precision, teacher, data, progress, cancellation);
        _teacherHash = TeacherRecord.FolderHash(options.Teacher);
    }

    /// <summary>The options on their own, the device, the teacher folder (config, length, tokenizer, weights, a trained
    /// classifier), then the data (every row) against the teacher. Nothing is written.</summary>
    public static TeacherRecordStep Prepare(TeacherRecordOptions options, IProgress<TrainingProgress>? progress, CancellationToken cancellation)
    {
        options.Validate();
        Device device = DeviceSelector.Resolve(options.Device, Options / nameof(TeacherRecordOptions.Device));
        ComputePrecision precision = PrecisionSelector.Resolve(options.Precision, device).Precision;
        OptionPath teacherProperty = Options / nameof(TeacherRecordOptions.Teacher);
        (BertConfig config, string configPath) = RunOptionCheck.ModelFolder(teacherProperty, options.Teacher);
        RunOptionCheck.MaxLengthFits(Options / nameof(TeacherRecordOptions.MaxLength), options.MaxLength, config, configPath);
        TaskData.CheckTokenizer(options.Teacher);
        HfCheckpoint.CheckLoadable(options.Teacher);
        LoadedCheckpoint teacher = DistillationChecks.LoadTrainedTeacher(teacherProperty, options.Teacher, options.Data.Task);
        try
        {
            RunData data = DistillationChecks.ReadData(options.Data, options.LimitTrain, Options / nameof(TeacherRecordOptions.Data), teacher, teacherProperty, options.Teacher);
            return new TeacherRecordStep(options, device, precision, teacher, data, progress, cancellation);
        }
        catch
        {
            teacher.Dispose();
            throw;
        }
    }

    /// <summary>Each split's record, or the shard's part of it: reused when there, else one teacher pass, saved.</summary>
    public TeacherRecordResult Compute()
    {
        TaskData data = _data.Encode(_options.Teacher, _options.MaxLength, cacheFolder: null);
        _teacher.Model.to(_device);
        _teacher.Model.Precision = _precision;
        TeacherRecordFile[] files = Splits.Select(split => ComputeSplit(data, split)).ToArray();
        Note("teacher record: " + string.Join(", ", files.Select(f => $"{f.Split} {f.Outcome.ToString().ToLowerInvariant()}"))
            + (_options.Shard is { } shard ? $" (shard {shard})" : ""));
        return new TeacherRecordResult { Folder = _options.RecordFolder, Shard = _options.Shard, Splits = files };
    }

    /// <summary>Merges each split's <paramref name="count"/> shards; refused when no split had any (merged already).</summary>
    public TeacherRecordResult Merge(int count)
    {
        BertTextEncoder encoder = BertTextEncoder.FromModelFolder(_options.Teacher);
        TeacherRecordFile[] files = Splits.Select(split => MergeSplit(split, encoder, count)).ToArray();
        if (files.All(f => f.Outcome == TeacherRecordOutcome.Reused))
        {
            TeacherRecordKey key = Key(Dataset("train"), encoder);
            string pattern = Path.Combine(_options.RecordFolder, key.ShardStem("train", 0, count).Replace(".shard-0-", ".shard-*-", StringComparison.Ordinal) + ".json");
            throw new FileNotFoundException($"{pattern}: no shard of {count} is there, and the record they merge into is ({files[0].Path}): it was merged already. Nothing to merge.", pattern);
        }
        Note($"teacher record: merged {count} shards: {string.Join(", ", files.Select(f => $"{f.Split} {f.Outcome.ToString().ToLowerInvariant()}"))}");
        return new TeacherRecordResult { Folder = _options.RecordFolder, Splits = files };
    }

    public void Dispose() => _teacher.Dispose();

    private TeacherRecordKey Key(Dataset split, BertTextEncoder encoder) =>
        TeacherRecordKey.For(_teacherHash, split, encoder, _options.MaxLength, _precision, _options.RecordDtype);

    private Dataset Dataset(string split) => _data.Splits.First(s => s.Split == split);

    /// <summary>A note of the step (<see cref="TeacherRecord"/>'s notes start "teacher record:" as this step's do).</summary>
    private void Note(string message) => _progress?.Report(TrainingProgress.Note("", message));

    /// <summary>A split's whole record, or the shard's rows of it (none needed when the merged record is there).</summary>
    private TeacherRecordFile ComputeSplit(TaskData data, string split)
    {
        (Dataset dataset, IReadOnlyList<EncodedExample> features) = data.Splits[split];
        TeacherRecordKey key = Key(dataset, data.Encoder);
        string folder = _options.RecordFolder;
        int rows = features.Count;
        if (_options.Shard is not { } shard)
        {
            (TeacherRecord whole, bool reused) = TeacherRecord.LoadOrCompute(folder, split, key, () => Pass(data, features), Note, _cancellation);
            whole.Dispose();
            return File(split, key.FileStem(split), 0, rows, rows, reused ? TeacherRecordOutcome.Reused : TeacherRecordOutcome.Computed);
        }
        if (TeacherRecord.TryLoad(folder, split, key, out _) is { } merged)
        {
            merged.Dispose();
            return File(split, key.FileStem(split), 0, rows, rows, TeacherRecordOutcome.Reused);
        }
        (int first, int end) = TeacherRecordShards.Rows(rows, _options.EvalBatchSize, shard);
        string stem = key.ShardStem(split, shard.Index, shard.Count);
        (TeacherRecord part, bool partReused) = TeacherRecord.LoadOrCompute(folder, stem, key, new ShardRows(shard.Index, shard.Count, first, rows),
            () => Pass(data, features.Skip(first).Take(end - first).ToArray()), Note, _cancellation);
        part.Dispose();
        return File(split, stem, first, end - first, rows, partReused ? TeacherRecordOutcome.Reused : TeacherRecordOutcome.Computed);
    }

    private TeacherRecord Pass(TaskData data, IReadOnlyList<EncodedExample> features) =>
        TeacherRecord.Compute(_teacher.Model, features, data.Encoder.PaddingTokenId, _options.EvalBatchSize, _device, _options.RecordDtype, _cancellation);

    /// <summary>A split's shards, checked and concatenated into its record (under the record's lock), then removed;
    /// a split with no shards whose record is there was merged before (<see cref="TeacherRecordOutcome.Reused"/>).</summary>
    private TeacherRecordFile MergeSplit(string split, BertTextEncoder encoder, int count)
    {
        _cancellation.ThrowIfCancellationRequested();
        int rows = Dataset(split).Examples.Count;
        TeacherRecordKey key = Key(Dataset(split), encoder);
        string folder = _options.RecordFolder;
        using FolderLock held = TeacherRecord.Lock(folder, key.FileStem(split), Note, _cancellation);
        string[] stems = Enumerable.Range(0, count).Select(i => key.ShardStem(split, i, count)).ToArray();
        if (!stems.Any(stem => System.IO.File.Exists(Path.Combine(folder, stem + ".json"))) && TeacherRecord.ReadMetadata(folder, key.FileStem(split))?.Key == key)
        {
            return File(split, key.FileStem(split), 0, rows, rows, TeacherRecordOutcome.Reused);
        }
        using (TeacherRecord merged = TeacherRecordShards.Concatenate(folder, stems, key, split, rows, _options.Data.Task.Name))
        {
            merged.Save(folder, split, key);
        }
        foreach (string stem in stems)
        {
            System.IO.File.Delete(Path.Combine(folder, stem + ".json")); // the metadata first: a shard without it is missing, never half-read
            System.IO.File.Delete(Path.Combine(folder, stem + ".safetensors"));
            TeacherRecord.RemoveLock(folder, stem);
        }
        return File(split, key.FileStem(split), 0, rows, rows, TeacherRecordOutcome.Merged);
    }

    private TeacherRecordFile File(string split, string stem, int first, int examples, int rows, TeacherRecordOutcome outcome) => new()
    {
        Split = split,
        Path = Path.Combine(_options.RecordFolder, stem + ".safetensors"),
        FirstRow = first,
        Examples = examples,
        SplitExamples = rows,
        Outcome = outcome,
    };
}
