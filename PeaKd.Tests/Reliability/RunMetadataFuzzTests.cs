using System.Text.Json.Nodes;
using PeaKd.Distillation;
using PeaKd.IO;
using PeaKd.Options;
using PeaKd.Reporting.Records;
using PeaKd.Runs;
using PeaKd.Samples.Cli;
using PeaKd.Students;
using PeaKd.Tests.Infrastructure;
using PeaKd.Training;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PeaKd.Tests.Reliability;

/// <summary>
/// The files a run writes and later reads back: checkpoint descriptions and tensors, done.json, the teacher record,
/// metrics.jsonl, options.json, summary.json, student.json. Mutated, each is either read (when the mutation left it
/// valid), rejected with a <see cref="CorruptFileException"/> naming it, or, where a run can recover, passed over:
/// a damaged checkpoint for the one before it, a damaged teacher record for a recomputation.
/// </summary>
[Collection(TrainingCollection.Name)] // checkpoints hold AdamW state built with libtorch
public class RunMetadataFuzzTests(ITestOutputHelper log)
{
    private static readonly Type[] Documented = [typeof(CorruptFileException)];

    /// <summary>Two checkpoints (steps 1 and 2) of a tiny model, as a stage folder holds them.</summary>
    private static void WriteCheckpoints(string folder)
    {
        manual_seed(1);
        using var model = nn.Linear(3, 2);
        using AdamW optimizer = AdamW.ForModel(model, 0.01);
        for (int step = 1; step <= 2; step++)
        {
            TrainingCheckpoint.Save(folder, model, optimizer, new LoopState(0, step, step, step, 0.5, step, new Dictionary<string, double> { ["accuracy"] = 0.5 }, step, 16 * step, "AB"));
        }
    }

    [Fact]
    public void Mutated_checkpoint_descriptions_are_read_or_rejected_naming_the_file()
    {
        byte[] original = GetOriginal(WriteCheckpoints, "checkpoint-2.json");
        var inputs = CsCheck.Gen.OneOf(Fuzz.Mutants(original), Fuzz.JsonMutants(System.Text.Encoding.UTF8.GetString(original)));
        string meaning = Meaning(original);
        var (parsed, rejected) = Fuzz.Check(inputs, 400, "checkpoint-2.json", path =>
        {
            TrainingCheckpoint.Verify(path, Path.GetDirectoryName(path)!);
            Assert.Equal(meaning, JsonFile.ReadSealed(path).ToJsonString()); // only a change of layout (spaces) is accepted
        }, Documented, WriteCheckpoints);
        log.WriteLine($"checkpoint-2.json: {parsed} mutants accepted (same values), {rejected} rejected");
    }

    [Fact]
    public void A_damaged_checkpoint_is_passed_over_for_the_one_before_it()
    {
        byte[] original = GetOriginal(WriteCheckpoints, "checkpoint-2.safetensors");
        int fellBack = 0;
        Fuzz.Check(Fuzz.Mutants(original, hotBytes: 4096), 300, "checkpoint-2.safetensors", path =>
        {
            var notes = new List<string>();
            TrainingCheckpoint.CheckpointRecord? found = TrainingCheckpoint.FindIntact(Path.GetDirectoryName(path)!, notes.Add);
            bool intact = File.ReadAllBytes(path).AsSpan().SequenceEqual(original);
            Assert.Equal(intact ? 2 : 1, found?.State.GlobalStep);
            if (!intact)
            {
                Assert.Contains(notes, n => n.Contains(path, StringComparison.Ordinal));
                fellBack++;
                throw new CorruptFileException(path, "passed over (expected)");
            }
        }, Documented, WriteCheckpoints);
        log.WriteLine($"checkpoint-2.safetensors: fell back to checkpoint 1 for {fellBack} damaged copies");
    }

    [Fact]
    public void Mutated_done_json_is_read_or_rejected_naming_the_file()
    {
        var done = new TrainingResult(0.75, 20, new Dictionary<string, double> { ["accuracy"] = 0.75, ["f1"] = 0.7 }, 30, 12.5, 40.2);
        JsonObject json = System.Text.Json.JsonSerializer.SerializeToNode(done, JsonFile.MetadataOptions)!.AsObject();
        json["best_sha256"] = new string('A', 64);
        byte[] original = GetOriginal(folder => JsonFile.WriteSealed(Path.Combine(folder, "done.json"), json), "done.json");
        string meaning = Meaning(original);
        var inputs = CsCheck.Gen.OneOf(Fuzz.Mutants(original), Fuzz.JsonMutants(System.Text.Encoding.UTF8.GetString(original)));
        var (parsed, rejected) = Fuzz.Check(inputs, 400, "done.json", path =>
        {
            TrainingLoop.ReadDone(path);
            Assert.Equal(meaning, JsonFile.ReadSealed(path).ToJsonString());
        }, Documented);
        log.WriteLine($"done.json: {parsed} mutants read (same values), {rejected} rejected");
    }

    private static readonly TeacherRecordKey Key = new("TEACHER", "DATA", "VOCAB", 16);

    private static void WriteRecord(string folder)
    {
        manual_seed(2);
        using var record = new TeacherRecord(randn(6, 2), randn(6, 3, 4));
        record.Save(folder, "train", Key);
    }

    [Theory]
    [InlineData("record-train.json")]
    [InlineData("record-train.safetensors")]
    public void A_damaged_teacher_record_is_recomputed_never_read(string file)
    {
        byte[] original = GetOriginal(WriteRecord, file);
        var inputs = file.EndsWith(".json", StringComparison.Ordinal)
            ? CsCheck.Gen.OneOf(Fuzz.Mutants(original), Fuzz.JsonMutants(System.Text.Encoding.UTF8.GetString(original)))
            : Fuzz.Mutants(original, hotBytes: 512);
        int recomputed = 0;
        var (parsed, rejected) = Fuzz.Check(inputs, 300, file, path =>
        {
            using TeacherRecord? record = TeacherRecord.TryLoad(Path.GetDirectoryName(path)!, "train", Key, out string? why);
            if (record is null)
            {
                recomputed++;
                throw new CorruptFileException(path, $"not reused: {why ?? "another key"}");
            }
            Assert.Equal([6L, 2], record.Logits.shape);
            Assert.Equal([6L, 3, 4], record.Cls.shape);
            if (file.EndsWith(".safetensors", StringComparison.Ordinal))
            {
                Assert.True(File.ReadAllBytes(path).AsSpan().SequenceEqual(original), "a changed tensor file was reused");
            }
            else
            {
                Assert.Equal(Meaning(original), JsonFile.ReadSealed(path).ToJsonString()); // only a change of layout is accepted
            }
        }, Documented, WriteRecord);
        log.WriteLine($"{file}: {parsed} mutants reused (unchanged meaning), {rejected} recomputed");
    }

    [Fact]
    public void Mutated_metrics_logs_are_read_or_rejected_naming_the_line()
    {
        string original = string.Join("", Enumerable.Range(1, 4).Select(step =>
            $"{{\"stage\":\"kd\",\"step\":{step * 10},\"epoch\":{step * 0.25},\"loss\":{1.0 / step},\"lr\":0.0001,\"examples_per_second\":120.5}}\n"))
            + "{\"stage\":\"kd\",\"step\":40,\"epoch\":1.0,\"split\":\"dev\",\"score\":0.8,\"dev_accuracy\":0.8}\n";
        var (parsed, rejected) = Fuzz.Check(Fuzz.Mutants(System.Text.Encoding.UTF8.GetBytes(original), hotBytes: 1024), 400, "metrics.jsonl",
            path => MetricsLog.Read(path), Documented);
        log.WriteLine($"metrics.jsonl: {parsed} mutants read, {rejected} rejected");
    }

    [Fact]
    public void Mutated_options_summary_and_student_files_are_read_or_rejected_naming_the_file()
    {
        using var folder = TestFiles.TempFolder();
        var options = new JsonObject { ["task"] = "tsv", ["student"] = "PeaBert1", ["alpha"] = 0.7, ["temperature"] = 10.0, ["beta"] = 100.0, ["max_length"] = 16, ["seed"] = 3 };
        string optionsText = options.ToJsonString();
        var (parsed, rejected) = Fuzz.Check(CsCheck.Gen.OneOf(Fuzz.Mutants(System.Text.Encoding.UTF8.GetBytes(optionsText)), Fuzz.JsonMutants(optionsText)), 300, "options.json",
            path => new RunFolder(Path.GetDirectoryName(path)!).SaveOptions(options, resume: true, "PipelineOptions"), [typeof(CorruptFileException), typeof(InvalidOptionException)]);
        log.WriteLine($"options.json: {parsed} mutants equal, {rejected} rejected");

        var summaryJson = new JsonObject
        {
            ["task"] = "tsv", ["student"] = "PeaBert1", ["owned_parameters"] = 1000, ["effective_depth"] = 2, ["ptp"] = true, ["training_seconds"] = 12.5,
            ["metrics"] = new JsonObject { ["test"] = new JsonObject { ["accuracy"] = 0.8 } },
        };
        byte[] summary = GetOriginal(folder => new RunFolder(folder).WriteSummary(summaryJson, PeaKd.Folders.FolderKind.Run, sourceFolder: null), "summary.json");
        (parsed, rejected) = Fuzz.Check(CsCheck.Gen.OneOf(Fuzz.Mutants(summary), Fuzz.JsonMutants(System.Text.Encoding.UTF8.GetString(summary))), 300, "summary.json",
            path => RunSummary.Read(Path.GetDirectoryName(path)!).MetricsOf("test"), Documented); // a summary without its seal may be an older run's: read as it is
        log.WriteLine($"summary.json: {parsed} mutants read, {rejected} rejected");

        string student = "{\"student\":\"PeaBert1\",\"plan\":\"0 0'\",\"owned_layers\":1,\"effective_depth\":2}";
        (parsed, rejected) = Fuzz.Check(CsCheck.Gen.OneOf(Fuzz.Mutants(System.Text.Encoding.UTF8.GetBytes(student)), Fuzz.JsonMutants(student)), 300, "student.json",
            path => StudentFolder.Read(Path.GetDirectoryName(path)!), Documented);
        log.WriteLine($"student.json: {parsed} mutants read, {rejected} rejected");
    }

    /// <summary>A sealed metadata file's values, compact: equal for copies that differ only in layout.</summary>
    private static string Meaning(byte[] sealedFile)
    {
        var json = JsonNode.Parse(sealedFile)!.AsObject();
        json.Remove(JsonFile.SealField);
        return json.ToJsonString();
    }

    private static byte[] GetOriginal(Action<string> write, string file)
    {
        using var folder = TestFiles.TempFolder();
        write(folder.Path);
        return File.ReadAllBytes(folder.File(file));
    }
}
