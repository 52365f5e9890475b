using System.CommandLine;
using PeaKd.Reporting;

namespace PeaKd.Samples.Cli;

/// <summary><c>peakd report</c>: the report over finished runs (<see cref="RunReport"/>): charts, a results table over
/// every run folder under --runs (runs that differ only in --seed are averaged), the paired comparisons the paper's
/// claims rest on, and what PTP learned.</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var runs = new Option<string[]>("--runs")
        {
            Description = "Folders searched for run folders (with summary.json): --runs grid ptp-study pairs runs across them.",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var output = new Option<string>("--out") { Description = "Where the charts (PNG) and results.md go.", Required = true };
        var split = new Option<string>("--split") { Description = "The split whose metric the tables and the parameter chart use.", DefaultValueFactory = _ => "test" };
        var sameFolder = new Option<string[]>("--same-folder")
        {
            Description = "OLD=NEW: runs whose options name folder OLD (data or a teacher) are read as naming NEW, which holds the same files, so they pair with runs made with NEW. Repeatable.",
            AllowMultipleArgumentsPerToken = false,
        };
        var command = new Command("report", "Charts, a results table, paired comparisons over seeds and PTP's learnability, over finished runs.") { runs, output, split, sameFolder };
        command.SetAction(parse => CommandRunner.Run("report", FlagNames.None, () =>
        {
            RunReport report = RunReport.Read(parse.GetValue(runs)!, Console.Error.WriteLine, SameFolders(parse.GetValue(sameFolder) ?? []));
            string chosen = parse.GetValue(split)!;
            if (!report.Splits.Contains(chosen))
            {
                throw new ArgumentException(report.Splits.Count == 0
                    ? $"--split '{chosen}': no run under --runs has metrics for any split; finished runs record their dev (and labelled test) metrics in summary.json."
                    : $"--split '{chosen}': no run under --runs has metrics for it; they have metrics for {string.Join(", ", report.Splits)}.");
            }
            string outFolder = parse.GetValue(output)!;
            Console.WriteLine(report.Write(outFolder, chosen));
            Console.WriteLine($"wrote loss.png, dev-metric.png, metric-vs-parameters.png, paired-differences.png (when runs pair up) and results.md to {outFolder}");
        }));
        return command;
    }

    /// <summary>--same-folder's OLD=NEW pairs; one without '=' or with an empty side is refused, naming it.</summary>
    private static Dictionary<string, string> SameFolders(string[] values)
    {
        var same = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string value in values)
        {
            int at = value.IndexOf('=', StringComparison.Ordinal);
            if (at <= 0 || at == value.Length - 1)
            {
                throw new ArgumentException($"--same-folder '{value}': write OLD=NEW, the folder the runs' options name and the folder holding the same files it stands for.");
            }
            same[value[..at].TrimEnd('/')] = value[(at + 1)..];
        }
        return same;
    }
}
