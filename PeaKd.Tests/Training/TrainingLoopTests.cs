using PeaKd.Checkpoints;
using PeaKd.Data;
using PeaKd.Data.Batching;
using PeaKd.Data.Tasks;
using PeaKd.Inference;
using PeaKd.Modeling;
using PeaKd.Runs;
using PeaKd.Tests.Infrastructure;
using PeaKd.Training;
using Xunit;
using static TorchSharp.torch;

namespace PeaKd.Tests.Training;

[Collection(TrainingCollection.Name)]
public class TrainingLoopTests
{
    private static TrainingOptions Options => new() { Epochs = 3, BatchSize = 16, LearningRate = 2e-3, LogEvery = 5, CheckpointEvery = 7, Seed = 11 };

    private static (TaskData Data, TempFolder Folder) Setup()
    {
        var folder = TestFiles.TempFolder();
        TinyTask.WriteData(folder.File("data"), train: 160, dev: 48);
        TinyTask.WriteRandomTeacher(folder.File("model"));
        return (TaskData.Load(TaskRegistry.Tsv(), folder.File("data"), folder.File("model"), 16), folder);
    }

    private static BertClassifier Model(TaskData data)
    {
        manual_seed(3);
        return new BertClassifier(ModelFolder.WithTaskLabels(TinyTask.TeacherConfig with { HiddenDropoutProb = 0.1 }, data));
    }

    private static TrainingResult Train(BertClassifier model, TaskData data, string runFolder, bool resume, StopAfter? stop = null, Func<Batch, LossTerms>? loss = null,
        string optionsProperty = nameof(TrainingOptions), IProgress<TrainingProgress>? progress = null)
    {
        var run = new RunFolder(runFolder);
        var loop = new TrainingLoop("finetune", model, Options, run.Stage("finetune"), run.Log, (IProgress<TrainingProgress>?)stop ?? progress, stop?.Token ?? CancellationToken.None,
            optionsProperty: optionsProperty);
        return loop.Run(data.Train, data.Encoder.PaddingTokenId, CPU, loss ?? (batch => SupervisedLoss.Compute(model, batch)),
            () => Evaluator.DevScore(model, data, CPU, 32), resume);
    }

    /// <summary>Killed after a step between checkpoints, then resumed: the final weights are bitwise those of an uninterrupted run.</summary>
    [Theory]
    [InlineData(9)]   // mid-epoch, two steps after the step-7 checkpoint
    [InlineData(10)]  // right after the end of epoch 1 (10 batches per epoch)
    [InlineData(23)]  // in the last epoch
    public void Resuming_after_a_kill_finishes_bitwise_like_an_uninterrupted_run(int killedAfter)
    {
        var (data, folder) = Setup();
        using var _ = folder;

        using BertClassifier straight = Model(data);
        TrainingResult expected = Train(straight, data, folder.File("straight"), resume: false);

        using BertClassifier killed = Model(data);
        Assert.Throws<TrainingStoppedException>(() => Train(killed, data, folder.File("killed"), resume: false, stop: new StopAfter("finetune", killedAfter)));
        using BertClassifier resumed = Model(data); // a new process: fresh weights, everything else from the run folder
        var progress = new NoteRecorder();
        TrainingResult result = Train(resumed, data, folder.File("killed"), resume: true, progress: progress);

        // it resumed from the last checkpoint at or before the kill (one every 7 steps), not from step 0: a restart would
        // end bitwise the same, so the steps it ran are what tell them apart
        long checkpoint = killedAfter / 7 * 7;
        Assert.Contains($"finetune: resuming at step {checkpoint} of {expected.Steps} (epoch", string.Join("\n", progress.Lines));
        Assert.DoesNotContain(progress.Lines, line => line.Contains("other conditions", StringComparison.Ordinal));
        Assert.Equal(Enumerable.Range((int)checkpoint + 1, (int)(expected.Steps - checkpoint)).Select(s => ("finetune", (long)s)), progress.Steps);
        Assert.Equal(expected.Steps, result.Steps);
        Assert.Equal(expected.BestScore, result.BestScore);
        Assert.Equal(expected.BestStep, result.BestStep);
        Dictionary<string, Tensor> a = straight.state_dict(), b = resumed.state_dict();
        foreach (string name in a.Keys)
        {
            Assert.True(a[name].equal(b[name]).all().item<bool>(), $"{name} differs after resuming");
        }
        var straightLog = MetricsLog.Read(folder.File("straight/metrics.jsonl")).Select(e => e["step"]!.GetValue<long>()).ToList();
        var resumedLog = MetricsLog.Read(folder.File("killed/metrics.jsonl")).Select(e => e["step"]!.GetValue<long>()).ToList();
        Assert.Equal(straightLog, resumedLog); // no duplicated or missing log lines
    }

    /// <summary>A resume under another thread count (or build, or MKL path) finishes, and says it is no bit-for-bit
    /// continuation, naming what changed since the checkpoint.</summary>
    [Fact]
    public void Resuming_under_another_thread_count_says_so()
    {
        var (data, folder) = Setup();
        using var _ = folder;
        int threads = get_num_threads();
        int other = threads == 1 ? 2 : 1;
        using BertClassifier killed = Model(data);
        Assert.Throws<TrainingStoppedException>(() => Train(killed, data, folder.File("run"), resume: false, stop: new StopAfter("finetune", 9)));
        using BertClassifier resumed = Model(data);
        var progress = new NoteRecorder();
        try
        {
            set_num_threads(other);
            Train(resumed, data, folder.File("run"), resume: true, progress: progress);
        }
        finally
        {
            set_num_threads(threads);
        }
        string notes = string.Join("\n", progress.Lines);
        Assert.Contains("finetune: resuming at step 7", notes);
        Assert.Contains($"other conditions (threads {threads} -> {other})", notes);
        Assert.Contains("not a bit-for-bit continuation", notes);
    }

    [Fact]
    public void The_log_has_one_line_per_log_step_and_one_per_evaluation()
    {
        var (data, folder) = Setup();
        using var _ = folder;
        using BertClassifier model = Model(data);
        TrainingResult result = Train(model, data, folder.File("run"), resume: false);

        var entries = MetricsLog.Read(folder.File("run/metrics.jsonl"));
        var steps = entries.Where(e => e["split"] is null).ToList();
        // every 5th step, and at each checkpoint (every 7th): a window of averaged steps never spans a checkpoint, so a
        // resumed run logs the lines an uninterrupted one does
        Assert.Equal([5L, 7, 10, 14, 15, 20, 21, 25, 28, 30], steps.Select(e => e["step"]!.GetValue<long>()));
        Assert.All(steps, e =>
        {
            Assert.Equal("finetune", e["stage"]!.GetValue<string>());
            Assert.Equal(e["loss"]!.GetValue<double>(), e["hard"]!.GetValue<double>(), 12); // fine-tuning's loss is its hard term
            // the rate of the window's last step (0-based s = step - 1) by hand: 30 steps, 3 of warmup (10%), then
            // linear decay to 0, as Hugging Face's get_linear_schedule_with_warmup: peak * (30 - s) / 27
            long s = e["step"]!.GetValue<long>() - 1;
            Assert.Equal(2e-3 * (30 - s) / 27, e["lr"]!.GetValue<double>(), 15);
            Assert.Null(e["examples_per_second"]); // timing is not reproducible, so not in the log a resume must repeat
        });
        Assert.Equal(3, entries.Count(e => e["split"]?.GetValue<string>() == "dev"));
        Assert.Equal(30, result.Steps);
        Assert.True(result.ExamplesPerSecond > 0);
    }

    [Fact]
    public void A_non_finite_loss_stops_with_a_clear_error_and_keeps_the_last_checkpoint()
    {
        var (data, folder) = Setup();
        using var _ = folder;
        using BertClassifier model = Model(data);
        int calls = 0;
        LossTerms Poisoned(Batch batch)
        {
            LossTerms terms = SupervisedLoss.Compute(model, batch);
            return ++calls == 12 ? new LossTerms(terms.Total * double.NaN, new Dictionary<string, Tensor> { ["hard"] = terms.Total * double.NaN }) : terms;
        }

        var error = Assert.Throws<TrainingDivergedException>(() => Train(model, data, folder.File("run"), resume: false, loss: Poisoned, optionsProperty: "PipelineOptions.FineTuneTraining"));
        Assert.Equal(12, error.Step); // the 12th step, as the log and the progress count it
        Assert.Equal("hard", error.Term);
        Assert.Equal("PipelineOptions.FineTuneTraining.LearningRate", error.LearningRateOption); // the stage's own rate, not another stage's
        Assert.Contains("Try a lower learning rate (PipelineOptions.FineTuneTraining.LearningRate)", error.Message);
        Assert.Contains("finetune: the hard loss became NaN or infinite at step 12", error.Message);
        Assert.Contains("The last good checkpoint is " + folder.File("run/stages/finetune/checkpoint-10.safetensors"), error.Message);
        Assert.True(File.Exists(folder.File("run/stages/finetune/checkpoint.json")));
        Assert.All(model.parameters(), p => Assert.True(isfinite(p).all().item<bool>()));
    }

    [Fact]
    public void Hundreds_of_steps_leave_no_tensors_behind()
    {
        var (data, folder) = Setup();
        using var _ = folder;
        using BertClassifier model = Model(data);
        var options = Options with { Epochs = 30, CheckpointEvery = 0, LogEvery = 50 };
        var run = new RunFolder(folder.File("run"));
        long before = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var loop = new TrainingLoop("finetune", model, options, run.Stage("finetune"), run.Log, progress: null, CancellationToken.None);
        TrainingResult result = loop.Run(data.Train, data.Encoder.PaddingTokenId, CPU, batch => SupervisedLoss.Compute(model, batch), null, resume: false);
        long after = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        Assert.Equal(300, result.Steps);
        Assert.Equal(before, after);
    }
}
