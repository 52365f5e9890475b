using System.Text.Json.Nodes;
using PeaKd.IO;
using PeaKd.Options;
using PeaKd.Tests.Infrastructure;
using PeaKd.Training;
using Xunit;
using static TorchSharp.torch;

namespace PeaKd.Tests.Reliability;

/// <summary>Run folders written before metadata was sealed and sized still resume: their files are read as the older
/// format, strictly (a file that merely lost its seal does not pass for an older one).</summary>
[Collection(TrainingCollection.Name)]
public class OlderRunFilesTests
{
    /// <summary>Turns a sealed file back into what the previous version wrote: no seal, none of the newer fields.</summary>
    private static void MakeOlder(string path, params string[] newerFields)
    {
        JsonObject json = JsonFile.ReadObject(path);
        foreach (string field in newerFields.Append(JsonFile.SealField))
        {
            json.Remove(field);
        }
        File.WriteAllText(path, json.ToJsonString());
    }

    [Fact]
    public void An_older_fine_tuning_options_json_still_resumes_and_other_options_are_named()
    {
        using var folder = TestFiles.TempFolder();
        var now = new JsonObject { ["stage"] = "finetune", ["task"] = "tsv", ["max_length"] = 16 };
        File.WriteAllText(folder.File("options.json"), new JsonObject { ["command"] = "finetune", ["task"] = "tsv", ["max_length"] = 16 }.ToJsonString());
        var run = new PeaKd.Runs.RunFolder(folder.Path);
        run.SaveOptions(now, resume: true, "FineTuneOptions"); // "command" was the older name of "stage"

        var error = Assert.Throws<InvalidOptionException>(() => run.SaveOptions(new JsonObject { ["stage"] = "finetune", ["task"] = "tsv", ["max_length"] = 32 }, resume: true, "FineTuneOptions"));
        Assert.Equal("FineTuneOptions.Resume", error.Property);
        Assert.Contains("differs in max_length (saved 16, asked 32). Use the same options, or another FineTuneOptions.OutputFolder.", error.Message);
    }

    [Fact]
    public void An_older_distillation_started_from_the_teacher_resumes_only_as_that()
    {
        using var folder = TestFiles.TempFolder();
        // a PeaKd 0.1 run: no init_from (students started from the teacher), no dev-check settings in the stages' options
        JsonObject Options(string? initFrom, bool newer) => new()
        {
            ["student"] = "PeaBert2",
            ["init_from"] = initFrom,
            ["distillation"] = newer ? new JsonObject { ["Epochs"] = 2, ["EvalEvery"] = 0, ["SelectBy"] = 0 } : new JsonObject { ["Epochs"] = 2 },
        };
        JsonObject older = Options(null, newer: false);
        older.Remove("init_from");
        File.WriteAllText(folder.File("options.json"), older.ToJsonString());
        var run = new PeaKd.Runs.RunFolder(folder.Path);
        run.SaveOptions(Options("teacher", newer: true), resume: true, "PipelineOptions");

        var error = Assert.Throws<InvalidOptionException>(() => run.SaveOptions(Options("pretrained", newer: true), resume: true, "PipelineOptions"));
        Assert.Contains("differs in init_from (saved \"teacher\", asked \"pretrained\").", error.Message);
        var denser = new JsonObject { ["student"] = "PeaBert2", ["init_from"] = "teacher", ["distillation"] = new JsonObject { ["Epochs"] = 2, ["EvalEvery"] = 20, ["SelectBy"] = 0 } };
        Assert.Contains("differs in distillation.EvalEvery (saved 0, asked 20).", Assert.Throws<InvalidOptionException>(() => run.SaveOptions(denser, resume: true, "PipelineOptions")).Message);
    }

    [Fact]
    public void An_older_checkpoint_json_is_still_resumed_from()
    {
        using var folder = TestFiles.TempFolder();
        manual_seed(1);
        using var model = nn.Linear(3, 2);
        using AdamW optimizer = AdamW.ForModel(model, 0.01);
        TrainingCheckpoint.Save(folder.Path, model, optimizer, new LoopState(1, 0, 7, 7, null, 0, null, 1.5, 112));
        File.Delete(folder.File("checkpoint-7.json")); // older versions kept only checkpoint.json
        MakeOlder(folder.File("checkpoint.json"), "bytes", "conditions");

        Assert.Equal(7, TrainingCheckpoint.FindIntact(folder.Path)?.State.GlobalStep);

        // the same file with a field the older format never had is damage, not an older file
        JsonObject json = JsonFile.ReadObject(folder.File("checkpoint.json"));
        json["sha265"] = "typo";
        File.WriteAllText(folder.File("checkpoint.json"), json.ToJsonString());
        var notes = new List<string>();
        Assert.Null(TrainingCheckpoint.FindIntact(folder.Path, notes.Add));
        Assert.Contains(notes, n => n.Contains("checkpoint.json", StringComparison.Ordinal) && n.Contains("sha265", StringComparison.Ordinal));
    }

    [Fact]
    public void An_older_done_json_is_still_read_and_a_stripped_new_one_is_not()
    {
        using var folder = TestFiles.TempFolder();
        var done = new JsonObject { ["best_score"] = 0.9, ["best_step"] = 10, ["best_metrics"] = new JsonObject { ["accuracy"] = 0.9 }, ["steps"] = 20, ["seconds"] = 3.0, ["examples_per_second"] = 100.0, ["best_sha256"] = "AB" };
        JsonFile.WriteSealed(folder.File("done.json"), done);
        Assert.Equal("AB", TrainingLoop.ReadDone(folder.File("done.json")).BestSha256);

        MakeOlder(folder.File("done.json"), "best_sha256");
        (TrainingResult result, string? hash) = TrainingLoop.ReadDone(folder.File("done.json"));
        Assert.Equal((0.9, 10L, 20L, (string?)null), (result.BestScore, result.BestStep, result.Steps, hash));

        JsonFile.WriteSealed(folder.File("done.json"), done);
        MakeOlder(folder.File("done.json")); // the seal gone, best_sha256 still there: damage
        var error = Assert.Throws<CorruptFileException>(() => TrainingLoop.ReadDone(folder.File("done.json")));
        Assert.Contains("seal is missing though it has 'best_sha256'", error.Message);
    }
}
