using System.Text.Json.Nodes;
using PeaKd.Checkpoints;
using PeaKd.Data;
using PeaKd.Data.Tasks;
using PeaKd.Devices;
using PeaKd.Distillation;
using PeaKd.IO;
using PeaKd.Modeling;
using PeaKd.Options;
using PeaKd.Tests.Infrastructure;
using PeaKd.Training;
using Xunit;
using static TorchSharp.torch;

namespace PeaKd.Tests.Distillation;

/// <summary>A fine-tuned tiny teacher and data with splits of uneven sizes (101 and 37 rows), made once for the
/// record tests: with 8 rows a batch, train has 13 batches and dev 5, so 3 shards cannot be equal.</summary>
public sealed class RecordTeacher : IDisposable
{
    public RecordTeacher()
    {
        TinyTask.WriteData(Folder.File("data"), train: 101, dev: 37);
        File.Delete(Folder.File("data/test.tsv")); // train and dev only: the rows below are worked by hand for those two
        TinyTask.WriteRandomTeacher(Folder.File("pretrained"));
        var training = new TrainingOptions { Epochs = 2, BatchSize = 16, LearningRate = 1e-3, CheckpointEvery = 0, Seed = 7 };
        PeaKdPipeline.FineTune(TinyTask.FineTune(Folder, training));
    }

    internal TempFolder Folder { get; } = TestFiles.TempFolder();

    public string Teacher => Folder.File("teacher");

    public string Data => Folder.File("data");

    public void Dispose() => Folder.Dispose();
}

/// <summary>The teacher record as a step of its own: whole, or as shards merged into the very record the whole pass
/// writes, which a pipeline run then reuses; and the merge's refusals.</summary>
[Collection(TrainingCollection.Name)]
public class TeacherRecordShardTests(RecordTeacher fixture, Xunit.Abstractions.ITestOutputHelper log) : IClassFixture<RecordTeacher>
{
    private TeacherRecordOptions Options(string records, int batch = 8) => new()
    {
        Data = DataSource.Files(TaskRegistry.Tsv(), fixture.Data),
        Teacher = fixture.Teacher,
        RecordFolder = records,
        MaxLength = 16,
        Device = DeviceChoice.Cpu,
        EvalBatchSize = batch,
    };

    private static TeacherRecordOptions Shard(TeacherRecordOptions options, int index, int count) => options with { Shard = new TeacherRecordShard(index, count) };

    [Fact]
    public void Three_shards_of_uneven_splits_merge_into_the_unsharded_record_bit_for_bit()
    {
        using TempFolder folder = TestFiles.TempFolder();
        TeacherRecordResult whole = TeacherRecords.Compute(Options(folder.File("whole")));
        Assert.All(whole.Splits, s => Assert.Equal(TeacherRecordOutcome.Computed, s.Outcome));

        TeacherRecordOptions sharded = Options(folder.File("sharded"));
        // The rows by hand: train's 13 batches of 8 cut at 13*i/3 = 0, 4, 8, 13; dev's 5 at 0, 1, 3, 5 (rows past 101 and 37 dropped).
        (int, int)[][] expected = [[(0, 32), (32, 32), (64, 37)], [(0, 8), (8, 16), (24, 13)]];
        for (int i = 0; i < 3; i++)
        {
            TeacherRecordResult part = TeacherRecords.Compute(Shard(sharded, i, 3));
            Assert.Equal([expected[0][i], expected[1][i]], part.Splits.Select(s => (s.FirstRow, s.Examples)));
            Assert.Equal([$"record-train.shard-{i}-of-3.safetensors", $"record-dev.shard-{i}-of-3.safetensors"], part.Splits.Select(s => Path.GetFileName(s.Path)));
            Assert.False(File.Exists(folder.File("sharded/record-train.safetensors")), "a shard writes only its own rows");
        }
        TeacherRecordResult merged = TeacherRecords.Merge(sharded, 3);
        Assert.All(merged.Splits, s => Assert.Equal(TeacherRecordOutcome.Merged, s.Outcome));
        Assert.Equal([(101, 101), (37, 37)], merged.Splits.Select(s => (s.Examples, s.SplitExamples)));
        Assert.Empty(Directory.GetFiles(folder.File("sharded"), "*.shard-*"));

        foreach (string split in new[] { "train", "dev" })
        {
            string a = folder.File($"whole/record-{split}"), b = folder.File($"sharded/record-{split}");
            double worst = MaxDifference(a + ".safetensors", b + ".safetensors");
            log.WriteLine($"{split}: merged shards vs the whole pass, largest difference {worst:G3}");
            Assert.Equal(0.0, worst); // shards are cut at whole batches, so each computes the whole pass's batches
            Assert.Equal(File.ReadAllBytes(a + ".safetensors"), File.ReadAllBytes(b + ".safetensors"));
            Assert.Equal(JsonFile.ReadSealed(a + ".json").ToJsonString(), JsonFile.ReadSealed(b + ".json").ToJsonString()); // key, shapes, SHA-256, size
        }
    }

    [Fact]
    public void Rows_computed_in_other_batches_differ_by_float_rounding_only()
    {
        // Not a shard case (shards keep the whole pass's batches), but what a record computed with another batch size
        // (reused all the same: the batch size is not in the key) differs by: each batch pads to its own longest row.
        using TempFolder folder = TestFiles.TempFolder();
        TeacherRecords.Compute(Options(folder.File("b8")));
        TeacherRecords.Compute(Options(folder.File("b7"), batch: 7));
        TeacherRecords.Compute(Options(folder.File("b1"), batch: 1));
        foreach (string other in new[] { "b7", "b1" })
        {
            double worst = MaxDifference(folder.File("b8/record-train.safetensors"), folder.File($"{other}/record-train.safetensors"));
            log.WriteLine($"train record, batches of 8 vs {other}: largest difference {worst:G3}");
            Assert.True(worst <= 1e-5, $"{other}: {worst}");
        }
    }

    [Fact]
    public void A_pipeline_run_reuses_a_merged_record_with_the_same_settings()
    {
        using TempFolder folder = TestFiles.TempFolder();
        TeacherRecordOptions options = Options(folder.File("records"));
        TeacherRecords.Compute(Shard(options, 0, 2));
        TeacherRecords.Compute(Shard(options, 1, 2));
        TeacherRecords.Merge(options, 2);
        byte[] before = File.ReadAllBytes(folder.File("records/record-train.safetensors"));

        var training = new TrainingOptions { Epochs = 1, BatchSize = 16, LearningRate = 1e-3, CheckpointEvery = 0, Seed = 7 };
        PipelineOptions run = new()
        {
            Data = DataSource.Files(TaskRegistry.Tsv(), fixture.Data),
            Teacher = fixture.Teacher,
            Student = StudentCatalog.Find("TinyBert")!,
            OutputFolder = folder.File("run"),
            RecordFolder = folder.File("records"),
            MaxLength = 16,
            Device = DeviceChoice.Cpu,
            PtpTraining = training,
            KdTraining = training,
        };
        var notes = new NoteRecorder();
        PeaKdPipeline.Run(run, notes);
        Assert.Contains(notes.Lines, line => line.StartsWith("teacher record: train reused, dev reused", StringComparison.Ordinal));
        Assert.Equal(before, File.ReadAllBytes(folder.File("records/record-train.safetensors")));
        Assert.Equal((options with { EvalBatchSize = 64 }).ToString(), TeacherRecordOptions.From(run).ToString()); // the run's settings
    }

    [Fact]
    public void A_shard_out_of_range_is_refused_before_anything_is_written()
    {
        using TempFolder folder = TestFiles.TempFolder();
        var error = Assert.Throws<InvalidOptionException>(() => TeacherRecords.Compute(Shard(Options(folder.File("records")), 3, 3)));
        Assert.Equal("TeacherRecordOptions.Shard is 3/3, but the shards of 3 are numbered 0 to 2; give an index in that range.", error.Message);
        error = Assert.Throws<InvalidOptionException>(() => TeacherRecords.Compute(Shard(Options(folder.File("records")), 0, 0)));
        Assert.Equal("TeacherRecordOptions.Shard.Count must be at least 1, got 0.", error.Message);
        Assert.False(Directory.Exists(folder.File("records")), "nothing may be written");
    }

    [Fact]
    public void A_missing_shard_or_one_of_another_count_is_named_and_nothing_is_merged()
    {
        using TempFolder folder = TestFiles.TempFolder();
        TeacherRecordOptions options = Options(folder.File("records"));
        TeacherRecords.Compute(Shard(options, 0, 3));
        TeacherRecords.Compute(Shard(options, 2, 3));
        var missing = Assert.Throws<FileNotFoundException>(() => TeacherRecords.Merge(options, 3));
        Assert.Equal($"{folder.File("records/record-train.shard-1-of-3.json")}: shard 1 of 3 of the train record is missing (or its .safetensors is). "
            + "Compute it with TeacherRecordOptions.Shard 1/3, then merge again.", missing.Message);
        Assert.False(File.Exists(folder.File("records/record-train.safetensors")));

        var otherCount = Assert.Throws<FileNotFoundException>(() => TeacherRecords.Merge(options, 2));
        Assert.EndsWith("then merge again. The folder holds shards of 3.", otherCount.Message);
        Assert.Equal(4, Directory.GetFiles(folder.File("records"), "record-train.shard-*").Length); // the shards are kept
    }

    [Fact]
    public void Shards_of_another_teacher_or_other_data_are_refused_naming_the_file_and_the_option()
    {
        using TempFolder folder = TestFiles.TempFolder();
        WriteRandomTeacher(folder.File("other-teacher"));
        CopyData(folder.File("other-data"), changeFirstTrainRow: true);
        TeacherRecordOptions options = Options(folder.File("records"));
        TeacherRecords.Compute(Shard(options, 0, 2));
        TeacherRecords.Compute(Shard(options with { Teacher = folder.File("other-teacher") }, 1, 2));
        var teacher = Assert.Throws<InvalidDataException>(() => TeacherRecords.Merge(options, 2));
        Assert.StartsWith($"{folder.File("records/record-train.shard-1-of-2.json")}: shard 1 of 2 of the tsv train record was computed from another teacher (its hash ", teacher.Message);
        Assert.Contains("TeacherRecordOptions.Teacher's", teacher.Message);

        // the same shard computed from other data replaces the other teacher's (one file name, as with whole records)
        TeacherRecords.Compute(Shard(options with { Data = DataSource.Files(TaskRegistry.Tsv(), folder.File("other-data")) }, 1, 2));
        var data = Assert.Throws<InvalidDataException>(() => TeacherRecords.Merge(options, 2));
        Assert.StartsWith($"{folder.File("records/record-train.shard-1-of-2.json")}: shard 1 of 2 of the tsv train record was computed from other data (its content hash ", data.Message);
        Assert.Contains("TeacherRecordOptions.Data's", data.Message);
        Assert.False(File.Exists(folder.File("records/record-train.safetensors")));
    }

    [Fact]
    public void Merging_twice_is_refused_naming_the_merged_record()
    {
        using TempFolder folder = TestFiles.TempFolder();
        TeacherRecordOptions options = Options(folder.File("records"));
        TeacherRecords.Compute(Shard(options, 0, 2));
        TeacherRecords.Compute(Shard(options, 1, 2));
        TeacherRecords.Merge(options, 2);
        var again = Assert.Throws<FileNotFoundException>(() => TeacherRecords.Merge(options, 2));
        Assert.Equal($"{folder.File("records/record-train.shard-*-of-2.json")}: no shard of 2 is there, and the record they merge into is "
            + $"({folder.File("records/record-train.safetensors")}): it was merged already. Nothing to merge.", again.Message);
        // and a shard asked for once the record is merged needs no computing
        TeacherRecordResult late = TeacherRecords.Compute(Shard(options, 1, 2));
        Assert.All(late.Splits, s => Assert.Equal((TeacherRecordOutcome.Reused, 0), (s.Outcome, s.FirstRow)));
        Assert.Empty(Directory.GetFiles(folder.File("records"), "*.shard-*"));
    }

    [Fact]
    public async Task A_second_writer_of_the_same_record_waits_for_the_first_and_reuses_what_it_wrote()
    {
        using TempFolder folder = TestFiles.TempFolder();
        TeacherRecords.Compute(Options(folder.File("done")));
        string records = folder.File("records");
        var notes = new NoteRecorder();
        Task<TeacherRecordResult> second;
        using (TeacherRecord.Lock(records, "record-train", note: null, CancellationToken.None)) // another process computing train
        {
            second = Task.Run(() => TeacherRecords.Compute(Options(records), notes));
            SpinWait.SpinUntil(() => notes.Lines.ToArray().Any(l => l.Contains("waiting for it", StringComparison.Ordinal)), TimeSpan.FromMinutes(2));
            Assert.False(second.IsCompleted, "the second writer must wait while the first holds the lock");
            foreach (string file in Directory.GetFiles(folder.File("done"), "record-train.*"))
            {
                File.Copy(file, Path.Combine(records, Path.GetFileName(file))); // what the first writer writes, atomically, before it lets go
            }
        }
        TeacherRecordResult result = await second;
        Assert.Equal([TeacherRecordOutcome.Reused, TeacherRecordOutcome.Computed], result.Splits.Select(s => s.Outcome));
        Assert.Contains(notes.Lines, l => l.StartsWith($"teacher record: {Path.Combine(records, "record-train")} is being written by ", StringComparison.Ordinal));
    }

    private static double MaxDifference(string a, string b)
    {
        Dictionary<string, Tensor> x = WeightsFile.Read(a), y = WeightsFile.Read(b);
        try
        {
            Assert.Equal(x["logits"].shape, y["logits"].shape);
            Assert.Equal(x["cls"].shape, y["cls"].shape);
            return Math.Max(TensorAssert.MaxAbsDifference(x["logits"], y["logits"]), TensorAssert.MaxAbsDifference(x["cls"], y["cls"]));
        }
        finally
        {
            foreach (Tensor t in x.Values.Concat(y.Values))
            {
                t.Dispose();
            }
        }
    }

    /// <summary>A teacher of the fixture's sizes with random weights and a 2-way classifier: another teacher for the task.</summary>
    private static void WriteRandomTeacher(string folder)
    {
        manual_seed(11);
        using var model = new BertClassifier(TinyTask.TeacherConfig with { Labels = ["LABEL_0", "LABEL_1"] });
        HfCheckpoint.Save(model, folder, TestFiles.Fixture("tiny-bert", "vocab.txt"));
    }

    private void CopyData(string to, bool changeFirstTrainRow)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(fixture.Data))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
        if (changeFirstTrainRow)
        {
            string[] lines = File.ReadAllLines(Path.Combine(to, "train.tsv"));
            lines[1] = "tok20 tok21\tother";
            File.WriteAllLines(Path.Combine(to, "train.tsv"), lines);
        }
    }
}
