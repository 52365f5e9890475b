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
        var command = new Command("report", "Charts, a results table, paired comparisons over seeds and PTP's learnability, over finished runs.") { runs, output, split };
        command.SetAction(parse => CommandRunner.Run("report", FlagNames.None, () =>
        {
            RunReport report = RunReport.Read(parse.GetValue(runs)!, Console.Error.WriteLine);
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
}
