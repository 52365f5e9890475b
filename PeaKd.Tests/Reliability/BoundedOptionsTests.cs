using PeaKd.Data.Tokenization;
using PeaKd.Distillation;
using PeaKd.Options;
using PeaKd.Samples.Cli;
using PeaKd.Tests.Infrastructure;
using PeaKd.Training;
using Xunit;
using static TorchSharp.torch;

namespace PeaKd.Tests.Reliability;

/// <summary>Epochs and the steps they make are bounded: a mistyped --epochs 1000000000 (six billion steps of a small
/// task) is refused naming the option, before anything is written.</summary>
[Collection(TrainingCollection.Name)]
public class BoundedOptionsTests
{
    private static (int Exit, string Out, string Error) Peakd(params string[] args) => ConsoleCapture.Run(() => PeakdCli.Run(args));

    [Theory]
    [InlineData(10_001, "PipelineOptions.KdTraining.Epochs must be at most 10,000, got 10,001.")]
    [InlineData(1_000_000_000, "PipelineOptions.KdTraining.Epochs must be at most 10,000, got 1,000,000,000.")]
    [InlineData(int.MaxValue, "PipelineOptions.KdTraining.Epochs must be at most 10,000, got 2,147,483,647.")]
    public void Epochs_past_the_bound_are_refused_naming_the_property(int epochs, string message)
    {
        var error = Assert.Throws<InvalidOptionException>(() => new TrainingOptions { Epochs = epochs }.Validate("PipelineOptions.KdTraining"));
        Assert.Equal("PipelineOptions.KdTraining.Epochs", error.Property);
        Assert.Equal(message, error.Message);
        new TrainingOptions { Epochs = TrainingOptions.MaxEpochs }.Validate(); // the bound itself is allowed
    }

    [Fact]
    public void A_pipeline_with_a_billion_epochs_is_refused_before_anything_is_written()
    {
        using TempFolder folder = TestFiles.TempFolder();
        TinyTask.WriteData(folder.File("data"), train: 32, dev: 16);
        TinyTask.WriteRandomTeacher(folder.File("pretrained"));
        var error = Assert.Throws<InvalidOptionException>(() => PeaKdPipeline.Run(TinyTask.Pipeline(folder, new TrainingOptions()) with
        {
            PtpTraining = new TrainingOptions { Epochs = 1_000_000_000 },
        }));
        Assert.Equal("PipelineOptions.PtpTraining.Epochs", error.Property);
        Assert.False(Directory.Exists(folder.File("run")));
    }

    [Theory]
    [InlineData(new[] { "finetune", "--task", "sst2", "--data", "d", "--model", "m", "--out", "o", "--epochs", "1000000000" }, "peakd finetune: --epochs must be at most 10,000, got 1,000,000,000.")]
    [InlineData(new[] { "distill", "--task", "tsv", "--data", "d", "--teacher", "t", "--student", "Bert1", "--out", "o", "--epochs", "10001" }, "peakd distill: --epochs must be at most 10,000, got 10,001.")]
    [InlineData(new[] { "distill", "--task", "tsv", "--data", "d", "--teacher", "t", "--student", "Bert1", "--out", "o", "--ptp-epochs", "99999" }, "peakd distill: --ptp-epochs must be at most 10,000, got 99,999.")]
    public void The_CLI_names_the_epochs_bound_by_its_flag(string[] args, string message)
    {
        var (exit, _, error) = Peakd(args);
        Assert.Equal(1, exit);
        Assert.Equal(message, error.Trim());
    }

    [Fact]
    public void A_stage_of_more_steps_than_an_int_counts_is_refused_naming_epochs_and_batch_size_before_anything_is_written()
    {
        using TempFolder folder = TestFiles.TempFolder();
        // 10,000 epochs of 214,749 one-example batches: 2,147,490,000 steps, 6,353 past int.MaxValue
        var example = new EncodedExample([2, 10, 3], [0, 0, 0], 0, null);
        EncodedExample[] train = Enumerable.Repeat(example, 214_749).ToArray();
        using var model = nn.Linear(1, 1);
        var options = new TrainingOptions { Epochs = TrainingOptions.MaxEpochs, BatchSize = 1 };
        var loop = new TrainingLoop("kd", model, options, folder.File("stage"), new MetricsLog(folder.File("metrics.jsonl")), null, CancellationToken.None,
            optionsProperty: "PipelineOptions.KdTraining");
        var error = Assert.Throws<InvalidOptionException>(() => loop.Run(train, 0, CPU, _ => throw new InvalidOperationException("no step is taken"), null, resume: false));
        Assert.Equal("PipelineOptions.KdTraining.Epochs", error.Property);
        Assert.Equal("--epochs is 10,000, which with 214,749 batches per epoch (--batch-size 1 over 214,749 training examples) makes 2,147,490,000 steps, "
            + "more than the 2,147,483,647 one stage may take; use fewer epochs or larger batches.", DistillCommand.Flags.Rewrite(error.Message));
        Assert.False(Directory.Exists(folder.File("stage")));

        // one example fewer: 2,147,480,000 steps, within the bound
        Assert.Equal(2_147_480_000, (options with { Epochs = 10_000 }).CheckTotalSteps(214_748));
    }
}
