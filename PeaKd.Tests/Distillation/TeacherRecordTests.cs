using System.Text.Json.Nodes;
using PeaKd.Checkpoints;
using PeaKd.Distillation;
using PeaKd.IO;
using PeaKd.Options;
using PeaKd.Runs;
using PeaKd.Tests.Infrastructure;
using PeaKd.Training;
using Xunit;
using static TorchSharp.torch;

namespace PeaKd.Tests.Distillation;

/// <summary>The teacher record's storage: fp32 or bf16 [CLS] states, one file per variant, and old records still read.</summary>
[Collection(TrainingCollection.Name)]
public class TeacherRecordTests(Xunit.Abstractions.ITestOutputHelper log)
{
    private static readonly TeacherRecordKey Fp32Key = new("TEACHER", "DATA", "VOCAB", 16);
    private static readonly TeacherRecordKey Bf16Key = Fp32Key with { ClsDtype = TeacherRecord.Bf16 };

    private static TeacherRecord Random(ScalarType clsDtype)
    {
        manual_seed(3);
        return new TeacherRecord(randn(10, 2), randn(10, 3, 8).to(clsDtype));
    }

    [Fact]
    public void A_bf16_record_stores_bf16_states_and_hands_them_out_as_fp32()
    {
        using TempFolder folder = TestFiles.TempFolder();
        float[] savedLogits, savedCls; // [10, 2] and [10, 3, 8] read out flat before saving: the reference
        using (TeacherRecord record = Random(ScalarType.BFloat16))
        {
            savedLogits = record.Logits.data<float>().ToArray();
            using Tensor widened = record.Cls.to(ScalarType.Float32); // bf16 -> fp32 is exact
            savedCls = widened.data<float>().ToArray();
            record.Save(folder.Path, "train", Bf16Key);
        }
        Assert.Equal("record-train.bf16-cls", Bf16Key.FileStem("train"));
        Assert.False(File.Exists(folder.File("record-train.safetensors")), "a bf16 record must not take the fp32 record's name");

        using TeacherRecord? loaded = TeacherRecord.TryLoad(folder.Path, "train", Bf16Key, out string? why);
        Assert.NotNull(loaded);
        Assert.Null(why);
        Assert.Equal(ScalarType.BFloat16, loaded!.Cls.dtype);
        Assert.Equal(ScalarType.Float32, loaded.Logits.dtype);

        (Tensor logits, Tensor[] cls) = loaded.Select([7, 2], [0, 2], CPU);
        Assert.All(cls, c => Assert.Equal(ScalarType.Float32, c.dtype));
        Assert.Equal(ScalarType.Float32, logits.dtype);
        // The reference: rows 7 and 2 of what was saved, indexed by hand in the flat arrays (row-major [row, layer, unit])
        int[] rows = [7, 2], layers = [0, 2];
        for (int r = 0; r < rows.Length; r++)
        {
            Assert.Equal(savedLogits.Skip(rows[r] * 2).Take(2), logits[r].data<float>().ToArray());
            for (int l = 0; l < layers.Length; l++)
            {
                Assert.Equal(savedCls.Skip((rows[r] * 3 + layers[l]) * 8).Take(8), cls[l][r].data<float>().ToArray());
            }
        }
        logits.Dispose();
        Array.ForEach(cls, c => c.Dispose());
    }

    [Fact]
    public void The_bf16_file_holds_half_the_state_bytes_and_rounds_each_value_once()
    {
        using TempFolder folder = TestFiles.TempFolder();
        using TeacherRecord fp32 = Random(ScalarType.Float32);
        using var bf16 = new TeacherRecord(fp32.Logits.clone(), fp32.Cls.to(ScalarType.BFloat16));
        fp32.Save(folder.Path, "train", Fp32Key);
        bf16.Save(folder.Path, "train", Bf16Key);

        long DataBytes(TeacherRecordKey key)
        {
            string path = folder.File(key.FileStem("train") + ".safetensors");
            using var stream = File.OpenRead(path);
            var header = new byte[8];
            stream.ReadExactly(header);
            return new FileInfo(path).Length - 8 - BitConverter.ToInt64(header);
        }
        Assert.Equal(10 * 2 * 4 + 10 * 3 * 8 * 4, DataBytes(Fp32Key));
        Assert.Equal(10 * 2 * 4 + 10 * 3 * 8 * 2, DataBytes(Bf16Key));

        // Both variants live side by side in one folder, each found by its own key.
        using TeacherRecord? fromFp32 = TeacherRecord.TryLoad(folder.Path, "train", Fp32Key, out _);
        using TeacherRecord? fromBf16 = TeacherRecord.TryLoad(folder.Path, "train", Bf16Key, out _);
        Assert.Equal(ScalarType.Float32, fromFp32!.Cls.dtype);
        Assert.Equal(ScalarType.BFloat16, fromBf16!.Cls.dtype);
        double worst = (fromBf16.Cls.to(ScalarType.Float32) - fromFp32.Cls).abs().div(fromFp32.Cls.abs()).max().item<float>();
        log.WriteLine($"largest relative rounding error of the bf16 states: {worst:E2}");
        // bf16 keeps 8 significant bits, so rounding to nearest errs by at most half a unit in the last place: 2^-8 relative.
        Assert.InRange(worst, 1e-5, Math.Pow(2, -8));
    }

    [Fact]
    public void A_record_of_the_other_dtype_is_not_reused_and_a_mislabelled_one_is_refused()
    {
        using TempFolder folder = TestFiles.TempFolder();
        using TeacherRecord fp32 = Random(ScalarType.Float32);
        fp32.Save(folder.Path, "train", Fp32Key);
        Assert.Null(TeacherRecord.TryLoad(folder.Path, "train", Bf16Key, out string? why));
        Assert.Null(why); // simply not there: computed, not reported as damage

        var error = Assert.Throws<InvalidOperationException>(() => fp32.Save(folder.Path, "dev", Bf16Key));
        Assert.Contains("Float32", error.Message);
    }

    [Fact]
    public void A_record_written_before_the_dtype_was_part_of_the_key_reads_as_fp32()
    {
        using TempFolder folder = TestFiles.TempFolder();
        using (TeacherRecord record = Random(ScalarType.Float32))
        {
            record.Save(folder.Path, "train", Fp32Key);
        }
        string metaPath = folder.File("record-train.json");
        JsonObject meta = JsonFile.ReadSealed(metaPath);
        JsonObject key = meta["key"]!.AsObject();
        Assert.True(key.Remove("precision") && key.Remove("cls_dtype"), "the key should carry precision and cls_dtype");
        JsonFile.WriteSealed(metaPath, meta); // the older format, sealed as it was then

        using TeacherRecord? loaded = TeacherRecord.TryLoad(folder.Path, "train", Fp32Key, out string? why);
        Assert.True(loaded is not null, why ?? "not reused");
    }

    [Fact]
    public void A_pipeline_with_a_bf16_record_learns_and_leaves_the_fp32_record_in_a_shared_folder_intact()
    {
        using TempFolder folder = TestFiles.TempFolder();
        TinyTask.WriteData(folder.File("data"));
        TinyTask.WriteRandomTeacher(folder.File("pretrained"));
        var training = new TrainingOptions { Epochs = 6, BatchSize = 16, LearningRate = 1e-3, CheckpointEvery = 0, Seed = 7 };
        string records = folder.File("records");
        PipelineOptions fp32 = TinyTask.Pipeline(folder, training, output: "fp32") with { RecordFolder = records };
        DistillationResult fp32Summary = PeaKdPipeline.Run(fp32);
        byte[] fp32Record = File.ReadAllBytes(Path.Combine(records, "record-train.safetensors"));

        // The same fine-tuned teacher, so both records come from one model.
        PipelineOptions bf16 = fp32 with { Teacher = fp32Summary.Paths.Teacher, FineTuneTeacher = false, RecordDtype = RecordDtype.Bf16, OutputFolder = folder.File("bf16") };
        DistillationResult bf16Summary = PeaKdPipeline.Run(bf16);

        Assert.Equal(fp32Record, File.ReadAllBytes(Path.Combine(records, "record-train.safetensors")));
        Dictionary<string, Tensor> a = WeightsFile.Read(Path.Combine(records, "record-train.safetensors"));
        Dictionary<string, Tensor> b = WeightsFile.Read(Path.Combine(records, "record-train.bf16-cls.safetensors"));
        Assert.Equal(ScalarType.BFloat16, b["cls"].dtype);
        Assert.Equal(0.0, TensorAssert.MaxAbsDifference(a["logits"], b["logits"])); // the same fp32 teacher pass
        Assert.Equal(0.0, TensorAssert.MaxAbsDifference(a["cls"].to(ScalarType.BFloat16).to(ScalarType.Float32), b["cls"].to(ScalarType.Float32)));
        foreach (Tensor t in a.Values.Concat(b.Values))
        {
            t.Dispose();
        }

        Assert.Equal("bf16", JsonFile.ReadObject(Path.Combine(folder.File("bf16"), "options.json"))["record_dtype"]!.GetValue<string>());
        double fp32Dev = fp32Summary.Dev.Accuracy!.Value;
        double bf16Dev = bf16Summary.Dev.Accuracy!.Value;
        log.WriteLine($"student dev accuracy: fp32 record {fp32Dev:F4}, bf16 record {bf16Dev:F4}");
        Assert.True(bf16Dev > 0.8, $"student from the bf16 record: dev {bf16Dev:F3} (chance is about 0.5)");
        Assert.True(Math.Abs(fp32Dev - bf16Dev) <= 0.05, $"bf16 record {bf16Dev:F3} vs fp32 record {fp32Dev:F3}");
    }

    [Fact]
    public void An_unknown_record_dtype_fails_before_anything_is_written()
    {
        using TempFolder folder = TestFiles.TempFolder();
        var options = TinyTask.Pipeline(folder, new TrainingOptions()) with { RecordDtype = (RecordDtype)16 };
        var error = Assert.Throws<InvalidOptionException>(() => PeaKdPipeline.Run(options));
        Assert.Equal("PipelineOptions.RecordDtype is 16, which is not a RecordDtype; use one of Fp32, Bf16.", error.Message);
        Assert.False(Directory.Exists(folder.File("run")), "nothing may be written");
    }

    [Fact]
    public void The_teacher_is_scored_on_test_from_a_record_that_runs_sharing_the_folder_reuse()
    {
        using TempFolder folder = TestFiles.TempFolder();
        TinyTask.WriteData(folder.File("data"));
        TinyTask.WriteRandomTeacher(folder.File("pretrained"));
        var training = new TrainingOptions { Epochs = 2, BatchSize = 16, LearningRate = 1e-3, Seed = 7 };
        PeaKdPipeline.FineTune(TinyTask.FineTune(folder, training));
        PipelineOptions Run(string output) => TinyTask.Pipeline(folder, training, "TinyBert", output) with
        {
            Teacher = folder.File("teacher"), FineTuneTeacher = false, Ptp = false, RecordFolder = folder.File("records"),
        };
        DistillationResult first = PeaKdPipeline.Run(Run("first"));
        Assert.True(File.Exists(folder.File("records/record-test.safetensors")), "the teacher's test pass is a record beside train's and dev's");
        DateTime written = File.GetLastWriteTimeUtc(folder.File("records/record-test.safetensors"));
        DistillationResult second = PeaKdPipeline.Run(Run("second") with { KdTraining = training with { Seed = 8 } });
        Assert.Equal(written, File.GetLastWriteTimeUtc(folder.File("records/record-test.safetensors"))); // reused, not computed again

        // the independent reference: the teacher folder evaluated on test as a user would
        using var teacher = PeaKd.Inference.TextClassifier.Load(folder.File("teacher"));
        var reference = teacher.Evaluate(PeaKd.Data.DataSource.Files(PeaKd.Data.Tasks.TaskRegistry.Tsv(), folder.File("data")), "test");
        Assert.Equal(reference.Metrics!.Accuracy, first.Teacher.Test!.Accuracy);
        Assert.Equal(first.Teacher.Test, second.Teacher.Test);
    }
}
