using PeaKd.Samples.Cli;
using PeaKd.Training;
using Xunit;

namespace PeaKd.Tests.Cli;

/// <summary>ETAs and stage times past a day keep their days (hh alone wraps at 24 hours), and an ETA too long for a
/// TimeSpan reads as such instead of throwing mid-training.</summary>
public class ProgressDurationTests
{
    [Theory]
    [InlineData(0, "00:00:00")]
    [InlineData(59.4, "00:00:59")]
    [InlineData(86_399, "23:59:59")]
    [InlineData(86_400, "1d 00:00:00")]
    [InlineData(93_784, "1d 02:03:04")]
    [InlineData(999_990, "11d 13:46:30")]
    [InlineData(9998 * 86400.0 + 3600, "9998d 01:00:00")]
    [InlineData(9999 * 86400.0, "over 9999d")]
    [InlineData(1e15, "over 9999d")] // past TimeSpan's range: FromSeconds would throw
    [InlineData(double.PositiveInfinity, "over 9999d")]
    [InlineData(double.NaN, "over 9999d")]
    [InlineData(-3, "00:00:00")]
    public void Durations_show_their_days(double seconds, string shown) => Assert.Equal(shown, Duration.Format(seconds));

    [Fact]
    public void A_line_ETA_past_a_day_keeps_its_days()
    {
        var output = new StringWriter();
        TimeSpan now = TimeSpan.FromHours(5); // any start: only differences count
        IProgress<TrainingProgress> progress = new LineProgress(output, secondsBetweenLines: 0, clock: () => now);
        progress.Report(new TrainingProgress(ProgressKind.StageStarted, "kd", Step: 0, TotalSteps: 100_000));
        now += TimeSpan.FromSeconds(10);
        progress.Report(new TrainingProgress(ProgressKind.Step, "kd", 1, 100_000, new Dictionary<string, double> { ["loss"] = 0.5 }));
        now += TimeSpan.FromDays(2) + TimeSpan.FromSeconds(3);
        progress.Report(new TrainingProgress(ProgressKind.StageFinished, "kd", 100_000, 100_000));

        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // 10 s for the first step: 99,999 more take 999,990 s
        Assert.Equal("kd: step 1/100000 (0%) loss 0.5000 eta 11d 13:46:30", lines[1]);
        Assert.Equal("kd: done in 2d 00:00:13", lines[2]);
    }
}
