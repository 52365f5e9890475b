using System.Text.Json.Nodes;
using PeaKd.Checkpoints;
using PeaKd.Distillation;
using PeaKd.Folders;
using PeaKd.Inference;
using PeaKd.Options;
using PeaKd.Tests.Infrastructure;
using PeaKd.Training;
using Xunit;
using static TorchSharp.torch;

namespace PeaKd.Tests.Distillation;

/// <summary>The authors' protocol: students start from the pretrained model, PTP has its own settings and reports what
/// it learned, dev is checked every N steps and the best check kept.</summary>
[Collection(TrainingCollection.Name)]
public class ProtocolTests(Xunit.Abstractions.ITestOutputHelper log)
{
    private static readonly TrainingOptions Training = new() { Epochs = 2, BatchSize = 16, LearningRate = 1e-3, LogEvery = 10, CheckpointEvery = 25, Seed = 7 };

    private static TempFolder Setup()
    {
        var folder = TestFiles.TempFolder();
        TinyTask.WriteData(folder.File("data"));
        TinyTask.WriteRandomTeacher(folder.File("pretrained"));
        return folder;
    }

    /// <summary>A teacher fine-tuned from pretrained/ by the API, which records where it started.</summary>
    private static string FineTunedTeacher(TempFolder folder)
    {
        PeaKdPipeline.FineTune(TinyTask.FineTune(folder, Training));
        return folder.File("teacher");
    }

    [Fact]
    public void A_student_starts_from_the_pretrained_tensors_by_default_and_from_the_teacher_when_asked()
    {
        using TempFolder folder = Setup();
        string teacher = FineTunedTeacher(folder);
        Assert.Equal(folder.File("pretrained"), BertConfigOf(teacher).NameOrPath); // the teacher records its base model

        // a learning rate far below float precision: training steps run, but no weight moves (bar exact zeros by 1e-30)
        PipelineOptions options = TinyTask.Pipeline(folder, Training) with
        {
            Teacher = teacher,
            FineTuneTeacher = false,
            Ptp = false,
            Student = StudentCatalog.Find("TinyBert")!,
            KdTraining = Training with { Epochs = 1, LearningRate = 1e-30 },
        };
        DistillationResult fromPretrained = PeaKdPipeline.Run(options with { OutputFolder = folder.File("pretrained-init") });
        DistillationResult fromTeacher = PeaKdPipeline.Run(options with { OutputFolder = folder.File("teacher-init"), InitFrom = StudentInit.Teacher });
        Assert.Equal((StudentInit.Pretrained, folder.File("pretrained")), (fromPretrained.Init.From, fromPretrained.Init.Folder));
        Assert.Equal((StudentInit.Teacher, teacher), (fromTeacher.Init.From, fromTeacher.Init.Folder));

        Dictionary<string, Tensor> pretrained = WeightsFile.Read(Path.Combine(folder.File("pretrained"), ModelFiles.Safetensors));
        Dictionary<string, Tensor> tuned = WeightsFile.Read(Path.Combine(teacher, ModelFiles.Safetensors));
        foreach ((string run, Dictionary<string, Tensor> expected, Dictionary<string, Tensor> other) in new[] { ("pretrained-init", pretrained, tuned), ("teacher-init", tuned, pretrained) })
        {
            Dictionary<string, Tensor> student = WeightsFile.Read(Path.Combine(folder.File(run), "student", ModelFiles.Safetensors));
            string[] names = student.Keys.Where(k => k.StartsWith("bert.", StringComparison.Ordinal)).ToArray();
            Assert.Contains("bert.embeddings.word_embeddings.weight", names);
            Assert.Contains("bert.encoder.layer.0.attention.self.query.weight", names);
            Assert.Contains("bert.pooler.dense.weight", names);
            foreach (string name in names)
            {
                double same = (student[name] - expected[name]).abs().max().item<float>();
                Assert.True(same < 1e-20, $"{run}: {name} differs from its source by {same}");
            }
            double apart = names.Max(name => (student[name] - other[name]).abs().max().item<float>());
            log.WriteLine($"{run}: every tensor equals its source; the other model differs by up to {apart:G3}");
            Assert.True(apart > 1e-3, $"{run}: the pretrained and fine-tuned tensors should differ (fine-tuning moved them), but differ by {apart}");
        }
    }

    [Fact]
    public void The_model_students_start_from_is_checked_before_anything_is_written()
    {
        using TempFolder folder = Setup();
        manual_seed(3);
        using (var headed = new PeaKd.Modeling.BertClassifier(TinyTask.TeacherConfig with { Labels = ["great", "other"] }))
        {
            HfCheckpoint.Save(headed, folder.File("no-record"), TestFiles.Fixture("tiny-bert", "vocab.txt"));
        }
        PipelineOptions options = TinyTask.Pipeline(folder, Training) with { Teacher = folder.File("no-record"), FineTuneTeacher = false };

        var unrecorded = Assert.Throws<InvalidOptionException>(() => PeaKdPipeline.Run(options));
        Assert.Equal("PipelineOptions.Pretrained", unrecorded.Property);
        Assert.Contains("does not record the model it was fine-tuned from (no _name_or_path)", unrecorded.Message);

        manual_seed(4);
        using (var wider = new PeaKd.Modeling.BertClassifier(TinyTask.TeacherConfig with { IntermediateSize = TinyTask.TeacherConfig.IntermediateSize * 2 }))
        {
            HfCheckpoint.Save(wider, folder.File("wider"), TestFiles.Fixture("tiny-bert", "vocab.txt"), includeClassifier: false);
        }
        var mismatched = Assert.Throws<InvalidOptionException>(() => PeaKdPipeline.Run(options with { Pretrained = folder.File("wider") }));
        Assert.Equal("PipelineOptions.Pretrained", mismatched.Property);
        Assert.Contains($"whose intermediate_size is {TinyTask.TeacherConfig.IntermediateSize * 2} where the teacher's is {TinyTask.TeacherConfig.IntermediateSize}", mismatched.Message);

        var tooFew = Assert.Throws<InvalidOptionException>(() => PeaKdPipeline.Run(options with { Pretrained = folder.File("pretrained"), InitLayers = [5] }));
        Assert.Equal("PipelineOptions.InitLayers", tooFew.Property);
        Assert.False(Directory.Exists(folder.File("run")));
    }

    [Fact]
    public void PTP_trains_with_its_own_learning_rate_and_logs_its_labels_against_their_frequencies()
    {
        using TempFolder folder = Setup();
        var notes = new NoteRecorder();
        PipelineOptions options = TinyTask.Pipeline(folder, Training with { LogEvery = 1 }) with
        {
            PtpTraining = Training with { LogEvery = 1, LearningRate = 3e-4, Epochs = 2 }, // 480 rows / 16 = 30 steps an epoch, 60 in all
            KdTraining = Training with { LogEvery = 1, LearningRate = 7e-4, Epochs = 1 },
        };
        DistillationResult result = PeaKdPipeline.Run(options, notes);
        var lines = MetricsLog.Read(Path.Combine(folder.File("run"), "metrics.jsonl"));
        double Lr(string stage, long step) => lines.Single(l => (string)l["stage"]! == stage && (long)l["step"]! == step && l["lr"] is not null)["lr"]!.GetValue<double>();
        // warmup over the first 10% of the steps (6 of PTP's 60, 3 of KD's 30); the logged rate is the step's own
        Assert.Equal(0.0, Lr("ptp", 1));
        Assert.Equal(3e-4 / 6, Lr("ptp", 2), 15);
        Assert.Equal(3e-4 * 5 / 6, Lr("ptp", 6), 15);
        Assert.Equal(3e-4, Lr("ptp", 7), 15);
        Assert.Equal(7e-4 / 3, Lr("kd", 2), 15);

        // the stage's first row: thresholds and the labels of train and dev, with the losses of knowing only their frequencies
        JsonObject labels = Assert.Single(lines, l => (string)l["stage"]! == "ptp" && (long)l["step"]! == 0);
        int[] train = labels["train_label_counts"]!.AsArray().Select(c => c!.GetValue<int>()).ToArray();
        int[] dev = labels["dev_label_counts"]!.AsArray().Select(c => c!.GetValue<int>()).ToArray();
        Assert.Equal((480, 160), (train.Sum(), dev.Sum()));
        Assert.Equal(EntropyByHand(dev), labels["dev_prior_entropy"]!.GetValue<double>(), 12);
        Assert.Equal(EntropyByHand(train), labels["train_prior_entropy"]!.GetValue<double>(), 12);
        double priorLoss = -Enumerable.Range(0, 4).Where(c => dev[c] > 0).Sum(c => dev[c] / 160.0 * Math.Log((train[c] + 1) / 484.0));
        Assert.Equal(priorLoss, labels["dev_prior_loss"]!.GetValue<double>(), 12);

        PtpStageResult ptp = result.Stages.Ptp!;
        Assert.Equal(train, ptp.TrainLabelCounts);
        Assert.Equal(dev, ptp.DevLabelCounts);
        Assert.Equal(priorLoss, ptp.DevPriorLoss, 12);
        Assert.Equal(ptp.BestDev!.PtpLoss, ptp.BestDevLoss);
        Assert.Equal(ptp.BestDevLoss < priorLoss, ptp.Learned);
        Assert.Contains(notes.Lines, l => l.Contains("train's label frequencies alone score dev loss"));
        Assert.Contains(notes.Lines, l => l.Contains("ptp: best dev loss"));
        log.WriteLine($"PTP labels train {string.Join("/", train)}, dev {string.Join("/", dev)}; best dev loss {ptp.BestDevLoss:F4} vs {priorLoss:F4} from the frequencies");
    }

    [Fact]
    public void Dev_is_checked_every_N_steps_the_best_check_is_kept_and_a_stop_between_checks_resumes_exactly()
    {
        using TempFolder folder = Setup();
        TrainingOptions dense = Training with { Epochs = 2, EvalEvery = 7 }; // 30 steps an epoch
        PipelineOptions options = TinyTask.Pipeline(folder, dense) with { PtpTraining = dense with { Epochs = 1 } };
        DistillationResult straight = PeaKdPipeline.Run(options with { OutputFolder = folder.File("straight") });

        var lines = MetricsLog.Read(Path.Combine(folder.File("straight"), "metrics.jsonl"));
        long[] DevSteps(string stage) => lines.Where(l => (string)l["stage"]! == stage && l["split"] is not null).Select(l => (long)l["step"]!).ToArray();
        // every 7th step of the stage, and each epoch's end
        Assert.Equal([7L, 14, 21, 28, 30, 35, 42, 49, 56, 60], DevSteps("kd"));
        Assert.Equal([7L, 14, 21, 28, 30, 35, 42, 49, 56, 60], DevSteps("finetune"));
        Assert.Equal([7L, 14, 21, 28, 30], DevSteps("ptp"));

        // the kept weights are the best check's: the student scored at the end has the best check's dev metrics
        long best = straight.Stages.Kd.BestStep;
        double bestScore = lines.Where(l => (string)l["stage"]! == "kd" && l["split"] is not null).Max(l => l["score"]!.GetValue<double>());
        Assert.Equal(bestScore, lines.First(l => (string)l["stage"]! == "kd" && l["split"] is not null && (long)l["step"]! == best)["score"]!.GetValue<double>());
        Assert.Equal(straight.Stages.Kd.BestDev!.Accuracy, straight.Dev.Accuracy);
        // and its dev loss, recomputed from the saved student's probabilities (-mean log p(gold)), is the best check's,
        // which tells the best check's weights from the last check's wherever their losses differ
        JsonObject[] kdChecks = lines.Where(l => (string)l["stage"]! == "kd" && l["split"] is not null).ToArray();
        double bestLoss = kdChecks.First(l => (long)l["step"]! == best)["dev_loss"]!.GetValue<double>();
        double lastLoss = kdChecks[^1]["dev_loss"]!.GetValue<double>();
        string[] rows = File.ReadAllLines(Path.Combine(folder.File("data"), "dev.tsv")).Skip(1).ToArray();
        using (var student = PeaKd.Inference.TextClassifier.Load(folder.File("straight")))
        {
            var predictions = student.PredictBatch(rows.Select(r => r.Split('\t')[0]).ToArray());
            double loss = -rows.Select((r, i) => Math.Log(predictions[i].Probabilities[r.Split('\t')[1]])).Average();
            Assert.Equal(bestLoss, loss, 5);
            Assert.True(best == 60 || Math.Abs(lastLoss - loss) > 1e-4, $"the last check's dev loss {lastLoss} is the kept student's {loss}, but the best check was at step {best}");
        }
        log.WriteLine($"kd: best dev check at step {best} of 60 (score {bestScore:F4}, dev loss {bestLoss:F5}; the last check's {lastLoss:F5})");

        // stopped at step 40 (between the checks at 35 and 42, after the checkpoint at 25), then resumed
        var stop = new StopAfter("kd", 40);
        Assert.Throws<TrainingStoppedException>(() => PeaKdPipeline.Run(options with { OutputFolder = folder.File("stopped") }, stop, stop.Token));
        DistillationResult resumed = PeaKdPipeline.Run(options with { OutputFolder = folder.File("stopped"), Resume = true });
        Assert.Equal(straight.Dev.Accuracy, resumed.Dev.Accuracy);
        Assert.Equal(straight.Test!.F1, resumed.Test!.F1);
        Assert.Equal(straight.Stages.Kd.BestStep, resumed.Stages.Kd.BestStep);
        static string[] DevRows(string run) => MetricsLog.Read(Path.Combine(run, "metrics.jsonl")).Where(l => l["split"] is not null).Select(l => l.ToJsonString()).ToArray();
        Assert.Equal(DevRows(folder.File("straight")), DevRows(folder.File("stopped")));
    }

    [Fact]
    public void Selecting_by_dev_loss_keeps_the_check_with_the_lowest_loss()
    {
        using TempFolder folder = Setup();
        TrainingOptions byLoss = Training with { Epochs = 3, EvalEvery = 5, SelectBy = DevSelection.Loss };
        FineTuneResult tuned = PeaKdPipeline.FineTune(TinyTask.FineTune(folder, byLoss));
        var checks = MetricsLog.Read(Path.Combine(folder.File("teacher"), "metrics.jsonl")).Where(l => l["split"] is not null).ToArray();
        JsonObject lowest = checks.MinBy(l => l["dev_loss"]!.GetValue<double>())!;
        Assert.Equal((long)lowest["step"]!, tuned.Stage.BestStep);
        Assert.Equal(-lowest["dev_loss"]!.GetValue<double>(), tuned.Stage.BestScore);

        // the kept teacher's dev loss, recomputed from its own probabilities: -mean log p(gold)
        string[] rows = File.ReadAllLines(Path.Combine(folder.File("data"), "dev.tsv")).Skip(1).ToArray();
        using var teacher = PeaKd.Inference.TextClassifier.Load(folder.File("teacher"));
        var predictions = teacher.PredictBatch(rows.Select(r => r.Split('\t')[0]).ToArray());
        double loss = -rows.Select((r, i) => Math.Log(predictions[i].Probabilities[r.Split('\t')[1]])).Average();
        Assert.Equal(lowest["dev_loss"]!.GetValue<double>(), loss, 5);
        log.WriteLine($"lowest dev loss {loss:F5} at step {tuned.Stage.BestStep} of {checks.Length} checks; best accuracy among them {checks.Max(l => l["dev_accuracy"]!.GetValue<double>()):F4}");
    }

    private static double EntropyByHand(int[] counts) =>
        -counts.Where(c => c > 0).Sum(c => c / (double)counts.Sum() * Math.Log(c / (double)counts.Sum()));

    private static PeaKd.Modeling.BertConfig BertConfigOf(string folder) => PeaKd.Modeling.BertConfig.Load(Path.Combine(folder, "config.json"));
}
