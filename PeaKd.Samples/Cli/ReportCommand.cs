using System.CommandLine;
using System.Globalization;
using System.Text;
using PeaKd.Runs;

namespace PeaKd.Samples.Cli;

/// <summary><c>peakd report</c>: charts (training loss and dev metric per run, metric against parameter count)
/// and a markdown table over every run folder under --runs; runs that differ only in --seed are averaged.</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var runs = new Option<string>("--runs") { Description = "A folder searched for run folders (with summary.json).", Required = true };
        var output = new Option<string>("--out") { Description = "Where the charts (PNG) and results.md go.", Required = true };
        var split = new Option<string>("--split") { Description = "The split whose metric the table and the parameter chart use.", DefaultValueFactory = _ => "test" };
        var command = new Command("report", "Charts and a results table over finished runs.") { runs, output, split };
        command.SetAction(parse => CommandRunner.Run("report", FlagNames.None, () =>
        {
            string root = parse.GetValue(runs)!;
            List<RunInfo> found = RunSummary.FindAll(root).Select(RunInfo.From).ToList();
            if (found.Count == 0)
            {
                throw new ArgumentException($"{root}: no finished run (summary.json) found.");
            }
            string outFolder = parse.GetValue(output)!;
            Directory.CreateDirectory(outFolder);
            Charts.Write(found, outFolder, parse.GetValue(split)!);
            string table = ResultsTable(found, parse.GetValue(split)!);
            string results = Path.Combine(outFolder, "results.md");
            File.WriteAllText(results + ".tmp", table); // a report being rewritten is never half there
            File.Move(results + ".tmp", results, overwrite: true);
            Console.WriteLine(table);
            Console.WriteLine($"wrote loss.png, dev-metric.png, metric-vs-parameters.png and results.md to {outFolder}");
        }));
        return command;
    }

    /// <summary>One row per variant (runs equal but for the seed): mean and standard deviation of each metric.</summary>
    internal static string ResultsTable(IReadOnlyList<RunInfo> runs, string split)
    {
        var text = new StringBuilder();
        var groups = runs.GroupBy(r => r.Variant).OrderBy(g => g.First().Parameters).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
        string[] metrics = runs.SelectMany(r => r.Metrics(split).Keys).Distinct().ToArray();
        text.Append($"| variant | student | parameters | depth | seeds | {string.Join(" | ", metrics.Select(m => $"{split} {m}"))} | train time (s) |\n");
        text.Append($"|---|---|---:|---:|---:|{string.Concat(metrics.Select(_ => "---:|"))}---:|\n");
        foreach (var group in groups)
        {
            RunInfo first = group.First();
            string cells = string.Join(" | ", metrics.Select(m =>
            {
                double[] values = group.Select(r => r.Metrics(split).GetValueOrDefault(m, double.NaN)).Where(double.IsFinite).ToArray();
                return values.Length == 0 ? "" : $"{100 * values.Average():F2} ± {100 * StandardDeviation(values):F2}";
            }));
            text.Append(CultureInfo.InvariantCulture, $"| {group.Key} | {first.Student} | {first.Parameters:N0} | {first.Depth} | {group.Count()} | {cells} | {group.Average(r => r.Seconds):F0} |\n");
        }
        return text.ToString();
    }

    /// <summary>The sample standard deviation (n - 1); 0 for a single run.</summary>
    internal static double StandardDeviation(IReadOnlyList<double> values)
    {
        if (values.Count < 2)
        {
            return 0;
        }
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
    }
}

/// <summary>What the report shows of a run: its summary and the variant it belongs to.</summary>
/// <param name="Variant">Everything that names the method; runs that differ only in the seed share it.</param>
internal sealed record RunInfo(string Folder, string Variant, string Student, long Parameters, int Depth, double Seconds,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> AllMetrics, IReadOnlyList<MetricsEntry> Log)
{
    public IReadOnlyDictionary<string, double> Metrics(string split) =>
        AllMetrics.TryGetValue(split, out IReadOnlyDictionary<string, double>? values) ? values : new Dictionary<string, double>();

    public static RunInfo From(RunSummary run)
    {
        string variant = run.Kd is not { } kd ? "teacher"
            : string.Create(CultureInfo.InvariantCulture, $"{run.Model}{(run.Ptp ? "+PTP" : "")} a{kd.Alpha} T{kd.Temperature} b{kd.Beta}");
        return new RunInfo(run.Folder, variant, run.Model, run.Parameters, run.EffectiveDepth, run.TrainingSeconds, run.Metrics, run.Log);
    }
}
