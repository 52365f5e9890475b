using PeaKd.Reporting.Records;
using PeaKd.Runs;
using PeaKd.Samples.Cli;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Cli;

/// <summary>peakd report's --runs walk (links inside the tree are not followed: no loop, no run counted twice, none
/// from outside) and its --split (one the runs have metrics for), over committed grid records.</summary>
[Collection(TrainingCollection.Name)]
public class ReportRunsTests
{
    private static (int Exit, string Out, string Error) Peakd(params string[] args) => ConsoleCapture.Run(() => PeakdCli.Run(args));

    private static string GridRun(string name) => Infrastructure.TestFiles.Repository("docs", "results", "protocol", "grid", name);

    private static void CopyRun(string name, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(GridRun(name)))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }

    /// <summary>The results table's row of <paramref name="variant"/>, as its cells.</summary>
    private static string[] Row(string table, string variant) =>
        table.Split('\n').Single(line => line.StartsWith($"| {variant} |", StringComparison.Ordinal)).Split('|').Select(c => c.Trim()).ToArray();

    [Fact]
    public void Links_in_the_runs_tree_are_not_followed_and_each_run_counts_once()
    {
        using var folder = TestFiles.TempFolder();
        CopyRun("pkd-2-s1", folder.File("runs/kd/pkd-2-s1"));
        CopyRun("sps-2-s1", folder.File("elsewhere/sps-2-s1"));
        File.CreateSymbolicLink(folder.File("runs/kd/pkd-2-s1/loop"), folder.File("runs")); // a loop back up the tree
        File.CreateSymbolicLink(folder.File("runs/kd/up"), ".."); // a relative one
        File.CreateSymbolicLink(folder.File("runs/again"), folder.File("runs/kd/pkd-2-s1")); // the run a second way
        File.CreateSymbolicLink(folder.File("runs/outside"), folder.File("elsewhere")); // runs not under --runs
        File.CreateSymbolicLink(folder.File("runs-link"), folder.File("runs")); // a root that is a link to the other root

        var (exit, output, error) = Peakd("report", "--runs", folder.File("runs"), folder.File("runs-link"), "--out", folder.File("report"));
        Assert.True(exit == 0, error);
        string[] row = Row(output, "PKD-2");
        Assert.Equal(("Bert2", "1"), (row[2], row[6])); // one seed, read once
        Assert.DoesNotContain("SPS-2", output);
        Assert.DoesNotContain("counted once", output); // not read again and deduplicated as a repeated seed
        Assert.Single(RunSummary.FindAll(folder.File("runs")));
    }

    [Fact]
    public void A_split_no_run_has_metrics_for_is_refused_listing_the_splits_there_are()
    {
        using var folder = TestFiles.TempFolder();
        CopyRun("ft-2-s1", folder.File("runs/ft-2-s1"));
        CopyRun("pkd-2-s2", folder.File("runs/pkd-2-s2"));
        foreach (string split in new[] { "nonsense", "Test", "dev_mismatched" })
        {
            var (exit, output, error) = Peakd("report", "--runs", folder.File("runs"), "--out", folder.File("report"), "--split", split);
            Assert.Equal(1, exit);
            Assert.Equal($"peakd report: --split '{split}': no run under --runs has metrics for it; they have metrics for dev, test.", error.Trim());
            Assert.Equal("", output);
            Assert.False(Directory.Exists(folder.File("report")), "a refused report writes nothing");
        }
        var dev = Peakd("report", "--runs", folder.File("runs"), "--out", folder.File("report"), "--split", "dev");
        Assert.True(dev.Exit == 0, dev.Error);
        Assert.Contains("| dev accuracy |", dev.Out);
    }
}
