using PeaKd.Training;
using Xunit;

namespace PeaKd.Tests.Training;

public class ConsoleProgressTests
{
    [Fact]
    public void Plain_lines_carry_step_percent_losses_and_ETA_without_flooding()
    {
        var output = new StringWriter();
        var progress = new LineProgress(output, secondsBetweenLines: 60);
        progress.Start("kd", total: 200, done: 50);
        progress.Advance(51, "loss 0.5000");
        progress.Advance(52, "loss 0.4000"); // within the interval: no line
        progress.Message("kd: epoch 1/4 dev accuracy 0.9100");
        progress.Advance(200, "loss 0.1000"); // the last step always prints
        progress.Finish();

        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("kd: 200 steps, resuming at 50", lines[0]);
        Assert.StartsWith("kd: step 51/200 (26%) loss 0.5000 eta ", lines[1]);
        Assert.Equal("kd: epoch 1/4 dev accuracy 0.9100", lines[2]);
        Assert.StartsWith("kd: step 200/200 (100%) loss 0.1000 eta 00:00:00", lines[3]);
        Assert.StartsWith("kd: done in ", lines[4]);
        Assert.Equal(5, lines.Length);
    }
}
