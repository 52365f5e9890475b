using System.Text.Json.Nodes;
using PeaKd.Data.Tasks;
using PeaKd.Distillation;
using PeaKd.Runs;
using PeaKd.Tests.Infrastructure;
using PeaKd.Training;
using Xunit;

namespace PeaKd.Tests.Distillation;

/// <summary>The whole pipeline on a tiny BERT and a learnable task written by the test: fine-tune, record, PTP, KD, evaluate.</summary>
[Collection(TrainingCollection.Name)]
public class PipelineTests(Xunit.Abstractions.ITestOutputHelper log)
{
    private static PipelineOptions Options(TempFolder folder, string student = "TinyPeaBert") => TinyTask.Pipeline(folder,
        new TrainingOptions { Epochs = 6, BatchSize = 16, LearningRate = 1e-3, LogEvery = 10, CheckpointEvery = 25, Seed = 7 }, student);

    private static TempFolder Setup()
    {
        var folder = TestFiles.TempFolder();
        TinyTask.WriteData(folder.File("data"));
        TinyTask.WriteRandomTeacher(folder.File("pretrained"));
        return folder;
    }

    [Fact]
    public void Every_stage_runs_and_the_distilled_student_beats_chance_clearly()
    {
        using TempFolder folder = Setup();
        var run = new RunFolder(folder.File("run"));
        JsonObject summary = PeaKdPipeline.Run(Options(folder), run, SilentProgress.Instance);

        double teacher = summary["teacher"]!["dev"]!["accuracy"]!.GetValue<double>();
        double student = summary["metrics"]!["dev"]!["accuracy"]!.GetValue<double>();
        log.WriteLine($"teacher dev accuracy {teacher:F4}, student dev accuracy {student:F4}, PTP label counts {summary["stages"]!["ptp"]!["train_label_counts"]!.ToJsonString()}");
        Assert.True(teacher > 0.85, $"teacher dev accuracy {teacher:F3}");
        Assert.True(student > 0.8, $"student dev accuracy {student:F3} (chance is about 0.5)");
        Assert.True(summary["metrics"]!["test"]!["accuracy"]!.GetValue<double>() > 0.75);

        Assert.Equal("TinyPeaBert", summary["student"]!.GetValue<string>());
        Assert.Equal(2, summary["effective_depth"]!.GetValue<int>());
        Assert.Equal(PeaKd.Modeling.ParameterCount.Backbone(TinyTask.TeacherConfig, 1), summary["owned_parameters"]!.GetValue<long>());
        Assert.True(summary["ptp"]!.GetValue<bool>());
        Assert.Equal(4, summary["stages"]!["ptp"]!["train_label_counts"]!.AsArray().Count);
        Assert.Equal("0->0", summary["stages"]!["kd"]!["patient_map"]!.GetValue<string>());
        Assert.True(summary["examples_per_second"]!.GetValue<double>() > 0);
        Assert.True(summary["training_seconds"]!.GetValue<double>() > 0);

        foreach (string file in new[] { "options.json", "metrics.jsonl", "summary.json", "predictions-dev.tsv", "predictions-test.tsv",
                     "teacher/config.json", "teacher/model.safetensors", "student/model.safetensors", "student/student.json",
                     "record/record-train.safetensors", "record/record-train.json" })
        {
            Assert.True(File.Exists(Path.Combine(run.Root, file)), $"{file} is missing");
        }
        var stages = MetricsLog.Read(Path.Combine(run.Root, "metrics.jsonl")).Select(e => e["stage"]!.GetValue<string>()).Distinct();
        Assert.Equal(["finetune", "ptp", "kd"], stages);
        Assert.Equal(161, File.ReadAllLines(run.Predictions("dev")).Length); // header + 160 rows
    }

    [Fact]
    public void A_run_killed_during_KD_resumes_to_the_same_result()
    {
        using TempFolder folder = Setup();
        PipelineOptions options = Options(folder) with { Ptp = false, FineTuning = Options(folder).FineTuning with { Epochs = 3 }, Distillation = Options(folder).Distillation with { Epochs = 3 } };
        JsonObject straight = PeaKdPipeline.Run(options, new RunFolder(folder.File("straight")), SilentProgress.Instance);

        Assert.Throws<OperationCanceledException>(() => PeaKdPipeline.Run(options with { StopAfterStep = (stage, step) => stage == "kd" && step == 40 },
            new RunFolder(folder.File("killed")), SilentProgress.Instance));
        JsonObject resumed = PeaKdPipeline.Run(options with { Resume = true }, new RunFolder(folder.File("killed")), SilentProgress.Instance);

        Assert.Equal(straight["metrics"]!.ToJsonString(), resumed["metrics"]!.ToJsonString()); // bitwise: same floats
        Assert.Equal(straight["stages"]!["kd"]!["best_step"]!.GetValue<long>(), resumed["stages"]!["kd"]!["best_step"]!.GetValue<long>());
    }

    [Fact]
    public void Resuming_with_other_options_is_refused()
    {
        using TempFolder folder = Setup();
        PipelineOptions options = Options(folder) with { Ptp = false, FineTuning = Options(folder).FineTuning with { Epochs = 1 }, Distillation = Options(folder).Distillation with { Epochs = 1 } };
        PeaKdPipeline.Run(options, new RunFolder(folder.File("run")), SilentProgress.Instance);
        var error = Assert.Throws<ArgumentException>(() => PeaKdPipeline.Run(options with { Resume = true, Kd = KdSettings.Kd }, new RunFolder(folder.File("run")), SilentProgress.Instance));
        Assert.Contains("--resume needs the options of the interrupted run", error.Message);
    }
}
