using PeaKd.Checkpoints;
using PeaKd.Data;
using PeaKd.Inference;
using PeaKd.Data.Tasks;
using PeaKd.Distillation;
using PeaKd.Modeling;
using PeaKd.Runs;
using PeaKd.Tests.Infrastructure;
using PeaKd.Training;
using Xunit;
using static TorchSharp.torch;

namespace PeaKd.Tests.Reliability;

/// <summary>A finished or interrupted stage whose files were damaged on disk afterwards: resuming notices, says so,
/// and falls back (to the checkpoint before, or to running the stage again), ending as an undamaged run ends.</summary>
[Collection(TrainingCollection.Name)]
public class DamagedStageFilesTests
{
    private static readonly TrainingOptions Options = new() { Epochs = 2, BatchSize = 16, LearningRate = 2e-3, LogEvery = 5, CheckpointEvery = 4, Seed = 11 };

    private static (TrainingResult Result, BertClassifier Model) Train(TaskData data, string runFolder, bool resume, IProgress<TrainingProgress>? progress,
        CancellationToken stop = default)
    {
        manual_seed(3);
        var model = new BertClassifier(ModelFolder.WithTaskLabels(TinyTask.TeacherConfig with { HiddenDropoutProb = 0.1 }, data));
        var run = new RunFolder(runFolder);
        var loop = new TrainingLoop("finetune", model, Options, run.Stage("finetune"), run.Log, progress, stop);
        TrainingResult result = loop.Run(data.Train, data.Encoder.PaddingTokenId, CPU, batch => SupervisedLoss.Compute(model, batch),
            () => Evaluator.DevScore(model, data, CPU, 32), resume);
        return (result, model);
    }

    private static void Flip(string path, long at)
    {
        byte[] bytes = File.ReadAllBytes(path);
        bytes[at] ^= 0x10;
        File.WriteAllBytes(path, bytes);
    }

    private static void AssertSame((TrainingResult Result, BertClassifier Model) expected, (TrainingResult Result, BertClassifier Model) actual)
    {
        Assert.Equal((expected.Result.Steps, expected.Result.BestScore, expected.Result.BestStep), (actual.Result.Steps, actual.Result.BestScore, actual.Result.BestStep));
        Dictionary<string, Tensor> weights = actual.Model.state_dict();
        foreach ((string name, Tensor tensor) in expected.Model.state_dict())
        {
            Assert.True(tensor.equal(weights[name]).all().item<bool>(), $"{name} differs");
        }
        expected.Model.Dispose();
        actual.Model.Dispose();
    }

    [Theory]
    [InlineData("done.json")]
    [InlineData("best.safetensors")]
    public void A_finished_stage_with_a_damaged_file_runs_again_to_the_same_result(string damaged)
    {
        using var folder = TestFiles.TempFolder();
        TinyTask.WriteData(folder.File("data"), train: 96, dev: 32);
        TinyTask.WriteRandomTeacher(folder.File("model"));
        TaskData data = TaskData.Load(TaskRegistry.Tsv(), folder.File("data"), folder.File("model"), 16);
        var expected = Train(data, folder.File("run"), resume: false, progress: null);

        string path = folder.File($"run/stages/finetune/{damaged}");
        Flip(path, new FileInfo(path).Length - 20); // a value in done.json, a weight in best.safetensors
        var progress = new NoteRecorder();
        var again = Train(data, folder.File("run"), resume: true, progress);

        Assert.Contains(progress.Lines, line => line.Contains("runs again from the start", StringComparison.Ordinal));
        Assert.DoesNotContain(progress.Lines, line => line.Contains("already finished", StringComparison.Ordinal));
        AssertSame(expected, again);
    }

    [Fact]
    public void A_damaged_newest_checkpoint_is_passed_over_and_the_result_is_the_same()
    {
        using var folder = TestFiles.TempFolder();
        TinyTask.WriteData(folder.File("data"), train: 96, dev: 32);
        TinyTask.WriteRandomTeacher(folder.File("model"));
        TaskData data = TaskData.Load(TaskRegistry.Tsv(), folder.File("data"), folder.File("model"), 16);
        var expected = Train(data, folder.File("straight"), resume: false, progress: null);

        // 6 batches an epoch: checkpoints at 4, 6 (epoch end), 8; stopped after step 9
        var stop = new StopAfter("finetune", 9);
        Assert.Throws<TrainingStoppedException>(() => Train(data, folder.File("run"), resume: false, stop, stop.Token));
        Flip(folder.File("run/stages/finetune/checkpoint-8.safetensors"), 200);
        var progress = new NoteRecorder();
        var resumed = Train(data, folder.File("run"), resume: true, progress);

        Assert.Contains(progress.Lines, line => line.Contains("checkpoint-8.safetensors", StringComparison.Ordinal) && line.Contains("Trying the checkpoint before it", StringComparison.Ordinal));
        Assert.Contains(progress.Lines, line => line.Contains("resuming at step 6", StringComparison.Ordinal));
        AssertSame(expected, resumed);
        Assert.Equal(
            MetricsLog.Read(folder.File("straight/metrics.jsonl")).Select(e => $"{e["step"]} {e["split"]}"),
            MetricsLog.Read(folder.File("run/metrics.jsonl")).Select(e => $"{e["step"]} {e["split"]}"));
    }
}
