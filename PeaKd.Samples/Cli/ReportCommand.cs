using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using PeaKd.Training;

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
        command.SetAction(parse => CommandRunner.Run("report", () =>
        {
            string root = parse.GetValue(runs)!;
            if (!Directory.Exists(root))
            {
                throw new DirectoryNotFoundException($"{root}: folder not found.");
            }
            List<RunInfo> found = Directory.GetFiles(root, "summary.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
                .Select(RunInfo.Read).Where(r => r is not null).Select(r => r!).ToList();
            if (found.Count == 0)
            {
                throw new ArgumentException($"{root}: no finished run (summary.json) found.");
            }
            string outFolder = parse.GetValue(output)!;
            Directory.CreateDirectory(outFolder);
            Charts.Write(found, outFolder, parse.GetValue(split)!);
            string table = ResultsTable(found, parse.GetValue(split)!);
            AtomicFile.WriteAllText(Path.Combine(outFolder, "results.md"), table);
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

/// <summary>What the report reads of a run folder.</summary>
internal sealed record RunInfo(string Folder, string Variant, string Student, long Parameters, int Depth, double Seconds, JsonObject Summary, IReadOnlyList<JsonObject> Log)
{
    public IReadOnlyDictionary<string, double> Metrics(string split) =>
        Summary["metrics"] is JsonObject metrics && metrics[split] is JsonObject values
            ? values.Where(v => v.Value is JsonValue value && value.GetValueKind() == System.Text.Json.JsonValueKind.Number)
                .ToDictionary(v => v.Key, v => v.Value!.GetValue<double>())
            : new Dictionary<string, double>();

    public static RunInfo? Read(string summaryPath)
    {
        string folder = Path.GetDirectoryName(summaryPath)!;
        // damaged files are errors naming them (JsonFile), never a crash of the whole report
        JsonObject summary = JsonFile.ReadSealed(summaryPath);
        string optionsPath = Path.Combine(folder, "options.json");
        JsonObject options = File.Exists(optionsPath) ? JsonFile.ReadObject(optionsPath) : [];
        string? named = JsonFile.GetString(summary, "student", summaryPath);
        string student = named ?? JsonFile.GetString(summary, "model", summaryPath) ?? Path.GetFileName(folder);
        // A variant is everything that names the method; the seed is what repeats.
        string variant = named is null ? "teacher"
            : $"{student}{(JsonFile.GetValue<bool>(summary, "ptp", summaryPath) == true ? "+PTP" : "")} a{options["alpha"]} T{options["temperature"]} b{options["beta"]}";
        long parameters = JsonFile.GetValue<long>(summary, "owned_parameters", summaryPath) ?? JsonFile.GetValue<long>(summary, "parameters", summaryPath) ?? 0;
        int depth = JsonFile.GetValue<int>(summary, "effective_depth", summaryPath) ?? 0;
        double seconds = JsonFile.GetValue<double>(summary, "training_seconds", summaryPath) ?? 0;
        return new RunInfo(folder, variant, student, parameters, depth, seconds, summary, MetricsLog.Read(Path.Combine(folder, "metrics.jsonl")));
    }
}
