using PeaKd.IO;
using PeaKd.Reporting.Analysis;
using PeaKd.Reporting.Records;

namespace PeaKd.Reporting;

/// <summary>
/// A report over finished runs: charts (training loss and dev metric per run, metric against parameter count, the
/// paired differences with their intervals) and results.md: a table over every run folder found (runs that differ
/// only in the seed are averaged), the paired comparisons the paper's claims rest on, and what PTP learned.
/// </summary>
public sealed class RunReport
{
    private readonly IReadOnlyList<RunInfo> _runs;

    private RunReport(IReadOnlyList<RunInfo> runs)
    {
        _runs = runs;
        Splits = runs.SelectMany(r => r.Run.Metrics.Where(m => m.Value.ByName.Count > 0).Select(m => m.Key)).Distinct().Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The splits some run has metrics for, in ordinal order.</summary>
    public IReadOnlyList<string> Splits { get; }

    /// <summary>Every finished run (a folder holding summary.json) under <paramref name="roots"/>, which are searched
    /// together so runs pair up across them; a root without one is an <see cref="ArgumentException"/> naming it. A
    /// folder given twice, inside another one given, or reached through a link to one, counts its runs once. Runs of
    /// one setting that score F1 of different classes are refused; what a reader should know goes to <paramref name="note"/>.
    /// Folders in <paramref name="sameFolders"/> are noted, since pairing runs through them rests on the user's word.</summary>
    /// <param name="roots">The folders searched.</param>
    /// <param name="note">Receives what a reader should know.</param>
    /// <param name="sameFolders">Folders the runs' options name under one path that hold the same files as another
    /// (data or a teacher moved, copied, or made again bit for bit elsewhere), each with the path it stands for: runs
    /// that differ only in naming them pair up. Null for none.</param>
    public static RunReport Read(IEnumerable<string> roots, Action<string> note, IReadOnlyDictionary<string, string>? sameFolders = null)
    {
        var found = new List<RunInfo>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string root in roots)
        {
            IReadOnlyList<RunSummary> inRoot = RunSummary.FindAll(root, sameFolders);
            if (inRoot.Count == 0)
            {
                throw new ArgumentException($"{root}: no finished run (summary.json) found.");
            }
            found.AddRange(inRoot.Where(r => seen.Add(FolderPaths.Real(r.Folder))).Select(RunInfo.From));
        }
        CheckOneF1(found, note);
        foreach ((string folder, string standsFor) in sameFolders ?? new Dictionary<string, string>())
        {
            note($"note: runs whose options name {folder} are read as naming {standsFor} (the same files, as --same-folder says).");
        }
        return new RunReport(found);
    }

    /// <summary>Writes the charts (PNG) and results.md for <paramref name="split"/> (one of <see cref="Splits"/>) into
    /// <paramref name="folder"/>, and returns results.md's text.</summary>
    public string Write(string folder, string split)
    {
        Directory.CreateDirectory(folder);
        IReadOnlyList<Comparison> comparisons = Effects.Compare(_runs, split, out string? metric);
        Charts.Write(_runs, folder, split, comparisons, $"{split} {metric}");
        string report = ReportTables.Markdown(_runs, split, comparisons, metric);
        string results = Path.Combine(folder, "results.md");
        File.WriteAllText(results + ".tmp", report); // a report being rewritten is never half there
        File.Move(results + ".tmp", results, overwrite: true);
        return report;
    }

    /// <summary>F1 of different classes is not one metric: runs of one setting whose summaries name different positive
    /// labels are refused; runs from before the label was recorded cannot be checked, and a setting mixing them with
    /// runs that record one is noted.</summary>
    private static void CheckOneF1(IReadOnlyList<RunInfo> runs, Action<string> note)
    {
        foreach (IGrouping<string, RunInfo> setting in runs.Where(r => r.Run.Metrics.Values.Any(m => m.F1 is not null)).GroupBy(r => r.Run.Setting))
        {
            string[] known = setting.Select(r => r.Run.PositiveLabel).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
            if (known.Length > 1)
            {
                throw new ArgumentException($"runs of one setting score F1 of different classes ({string.Join(", ", known.Select(p => $"'{p}' in {setting.First(r => r.Run.PositiveLabel == p).Run.Folder}"))}); report them apart, or run them again with one --positive-label.");
            }
            if (known.Length == 1 && setting.FirstOrDefault(r => r.Run.PositiveLabel is null) is RunInfo older)
            {
                note($"note: {older.Run.Folder} and others of its setting do not record which class their F1 scores (older runs: train's second label); it is taken to be '{known[0]}', as the setting's other runs record.");
            }
        }
    }
}
