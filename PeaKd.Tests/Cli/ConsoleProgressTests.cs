using PeaKd.Samples.Cli;
using PeaKd.Training;
using Xunit;

namespace PeaKd.Tests.Cli;

public class ConsoleProgressTests
{
    [Fact]
    public void Plain_lines_carry_step_percent_losses_and_ETA_without_flooding()
    {
        var output = new StringWriter();
        IProgress<TrainingProgress> progress = new LineProgress(output, secondsBetweenLines: 60);
        progress.Report(new TrainingProgress(ProgressKind.StageStarted, "kd", Step: 50, TotalSteps: 200));
        progress.Report(new TrainingProgress(ProgressKind.Step, "kd", 51, 200, new Dictionary<string, double> { ["loss"] = 0.5 }));
        progress.Report(new TrainingProgress(ProgressKind.Step, "kd", 52, 200, new Dictionary<string, double> { ["loss"] = 0.4 })); // within the interval: no line
        progress.Report(new TrainingProgress(ProgressKind.Note, "kd", Message: "kd: epoch 1/4 dev accuracy 0.9100"));
        progress.Report(new TrainingProgress(ProgressKind.Step, "kd", 200, 200, new Dictionary<string, double> { ["loss"] = 0.1, ["soft"] = 0.25 })); // the last step always prints
        progress.Report(new TrainingProgress(ProgressKind.StageFinished, "kd", 200, 200));

        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("kd: 200 steps, resuming at 50", lines[0]);
        Assert.StartsWith("kd: step 51/200 (26%) loss 0.5000 eta ", lines[1]);
        Assert.Equal("kd: epoch 1/4 dev accuracy 0.9100", lines[2]);
        Assert.StartsWith("kd: step 200/200 (100%) loss 0.1000 soft 0.2500 eta 00:00:00", lines[3]);
        Assert.StartsWith("kd: done in ", lines[4]);
        Assert.Equal(5, lines.Length);
    }
}
