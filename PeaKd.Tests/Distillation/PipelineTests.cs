using System.Text.Json.Nodes;
using PeaKd.Distillation;
using PeaKd.IO;
using PeaKd.Options;
using PeaKd.Reporting.Records;
using PeaKd.Runs;
using PeaKd.Tests.Infrastructure;
using PeaKd.Training;
using Xunit;

namespace PeaKd.Tests.Distillation;

/// <summary>The whole pipeline on a tiny BERT and a learnable task written by the test: fine-tune, record, PTP, KD, evaluate.</summary>
[Collection(TrainingCollection.Name)]
public class PipelineTests(Xunit.Abstractions.ITestOutputHelper log)
{
    private static PipelineOptions Options(TempFolder folder, string student = "TinyPeaBert", string output = "run") => TinyTask.Pipeline(folder,
        new TrainingOptions { Epochs = 6, BatchSize = 16, LearningRate = 1e-3, LogEvery = 10, CheckpointEvery = 25, Seed = 7 }, student, output);

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
        DistillationResult result = PeaKdPipeline.Run(Options(folder));
        string root = folder.File("run");

        double teacher = result.Teacher.Dev.Accuracy!.Value;
        double student = result.Dev.Accuracy!.Value;
        log.WriteLine($"teacher dev accuracy {teacher:F4}, test {result.Teacher.Test!.Accuracy:F4}; student dev accuracy {student:F4}; PTP label counts {string.Join(" ", result.Stages.Ptp!.TrainLabelCounts)}");
        Assert.True(teacher > 0.85, $"teacher dev accuracy {teacher:F3}");
        Assert.True(result.Teacher.Test!.Accuracy > 0.8, "the teacher is scored on test too");
        Assert.True(student > 0.8, $"student dev accuracy {student:F3} (chance is about 0.5)");
        Assert.True(result.Test!.Accuracy > 0.75);

        Assert.Equal("TinyPeaBert", result.Student);
        Assert.Equal(2, result.EffectiveDepth);
        Assert.Equal("0 0'", result.Plan);
        Assert.Equal(PeaKd.Modeling.ParameterCount.Backbone(TinyTask.TeacherConfig, 1), result.OwnedParameters);
        Assert.True(result.Ptp);
        Assert.Equal(480, result.Stages.Ptp.TrainLabelCounts.Sum());
        Assert.Equal("0->0", result.Stages.Kd.PatientMap);
        Assert.NotNull(result.Stages.FineTune);
        Assert.True(result.ExamplesPerSecond > 0);
        Assert.True(result.TrainingSeconds > 0);
        Assert.Equal(Path.Combine(root, "student"), result.Paths.Student);
        Assert.Equal(Path.Combine(root, "teacher"), result.Paths.Teacher);
        Assert.Equal(Path.Combine(root, "predictions-test.tsv"), result.Paths.Predictions["test"]);

        foreach (string file in new[] { "options.json", "metrics.jsonl", "summary.json", "predictions-dev.tsv", "predictions-test.tsv",
                     "teacher/config.json", "teacher/model.safetensors", "student/model.safetensors", "student/student.json",
                     "record/record-train.safetensors", "record/record-train.json" })
        {
            Assert.True(File.Exists(Path.Combine(root, file)), $"{file} is missing");
        }
        var stages = MetricsLog.Read(Path.Combine(root, "metrics.jsonl")).Select(e => e["stage"]!.GetValue<string>()).Distinct();
        Assert.Equal(["finetune", "ptp", "kd"], stages);
        Assert.Equal(161, File.ReadAllLines(result.Paths.Predictions["dev"]).Length); // header + 160 rows

        // summary.json holds the result's values, under the names earlier runs used
        JsonObject summary = JsonFile.ReadSealed(Path.Combine(root, "summary.json"));
        Assert.Equal(result.Test!.Accuracy, summary["metrics"]!["test"]!["accuracy"]!.GetValue<double>());
        Assert.Equal(result.OwnedParameters, summary["owned_parameters"]!.GetValue<long>());
        Assert.Equal(result.Stages.Kd.BestStep, summary["stages"]!["kd"]!["best_step"]!.GetValue<long>());
        Assert.Equal(result.Stages.FineTune!.Steps, summary["stages"]!["finetune"]!["steps"]!.GetValue<long>());
        Assert.Equal(480, summary["stages"]!["ptp"]!["train_label_counts"]!.AsArray().Sum(c => c!.GetValue<int>()));
        Assert.Equal(teacher, summary["teacher"]!["metrics"]!["dev"]!["accuracy"]!.GetValue<double>());
        RunSummary read = RunSummary.Read(root);
        Assert.Equal(("TinyPeaBert", true, result.OwnedParameters, 2, 1), (read.Model, read.Ptp is not null, read.Parameters, read.EffectiveDepth, read.OwnedLayers));
        Assert.Equal(("pretrained", (int?)7, "0 0'"), (read.InitFrom, read.Seed, read.Plan));
        Assert.Equal(result.Stages.Ptp.BestDevLoss!.Value, read.Ptp!.BestDevLoss);
        Assert.Equal(result.Dev.Accuracy, read.MetricsOf("dev").Accuracy);
    }

    [Fact]
    public void A_run_stopped_during_KD_resumes_to_the_same_result()
    {
        using TempFolder folder = Setup();
        PipelineOptions options = Options(folder) with { Ptp = false, FineTuneTraining = Options(folder).FineTuneTraining with { Epochs = 3 }, KdTraining = Options(folder).KdTraining with { Epochs = 3 } };
        DistillationResult straight = PeaKdPipeline.Run(options with { OutputFolder = folder.File("straight") });

        var stop = new StopAfter("kd", 40);
        Assert.Throws<TrainingStoppedException>(() => PeaKdPipeline.Run(options with { OutputFolder = folder.File("killed") }, stop, stop.Token));
        var progress = new NoteRecorder();
        DistillationResult resumed = PeaKdPipeline.Run(options with { OutputFolder = folder.File("killed"), Resume = true }, progress);

        // what ran: the finished fine-tuning reused, KD from its last checkpoint (a restart would end the same, being seeded)
        Assert.DoesNotContain(progress.Steps, s => s.Stage == "finetune");
        var resumedAt = System.Text.RegularExpressions.Regex.Match(string.Join("\n", progress.Lines), "kd: resuming at step ([0-9]+) of ([0-9]+)");
        Assert.True(resumedAt.Success, string.Join("\n", progress.Lines));
        long from = long.Parse(resumedAt.Groups[1].Value), total = long.Parse(resumedAt.Groups[2].Value);
        Assert.InRange(from, 1, 40);
        Assert.Equal(from + 1, progress.Steps.First(s => s.Stage == "kd").Step);
        Assert.Equal(total - from, progress.Steps.Count(s => s.Stage == "kd"));
        Assert.Equal(straight.Dev.Accuracy, resumed.Dev.Accuracy); // bitwise: same floats
        Assert.Equal(straight.Test!.F1, resumed.Test!.F1);
        Assert.Equal(straight.Stages.Kd.BestStep, resumed.Stages.Kd.BestStep);
    }

    [Fact]
    public void Resuming_with_other_options_is_refused_naming_what_differs()
    {
        using TempFolder folder = Setup();
        PipelineOptions options = Options(folder) with { Ptp = false, FineTuneTraining = Options(folder).FineTuneTraining with { Epochs = 1 }, KdTraining = Options(folder).KdTraining with { Epochs = 1 } };
        PeaKdPipeline.Run(options);
        var error = Assert.Throws<InvalidOptionException>(() => PeaKdPipeline.Run(options with { Resume = true, KdLoss = KdSettings.Kd }));
        Assert.Equal("PipelineOptions.Resume", error.Property);
        Assert.Contains("needs the options of the interrupted run, but", error.Message);
        Assert.Contains("differs in PipelineOptions.KdLoss.Beta (saved 100, asked 0).", error.Message);
    }

    [Fact]
    public void Every_recorded_option_names_a_property_for_a_refused_resume()
    {
        using TempFolder folder = Setup();
        PipelineOptions pipeline = Options(folder);
        var fineTune = new FineTuneOptions { Data = pipeline.Data, Teacher = "model", OutputFolder = "out" };
        foreach ((Type type, JsonObject json, IReadOnlyDictionary<string, string> properties) in new[]
        {
            (typeof(PipelineOptions), pipeline.ToJson(), PipelineOptions.JsonProperties),
            (typeof(FineTuneOptions), fineTune.ToJson("fp32"), FineTuneOptions.JsonProperties),
        })
        {
            foreach (string key in json.Select(p => p.Key).Where(k => !RunFolder.BookkeepingKeys.Contains(k) && k != "stage"))
            {
                Assert.True(properties.TryGetValue(key, out string? property), $"{type.Name}.ToJson writes {key}, which JsonProperties does not name");
                string first = property!.Split('.', '\'')[0];
                Assert.True(type.GetProperty(first) is not null, $"{type.Name} has no property {first} (for {key})");
            }
        }
    }
}
