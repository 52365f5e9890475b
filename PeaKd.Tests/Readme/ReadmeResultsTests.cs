using PeaKd.Reporting;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Readme;

/// <summary>
/// The README's results are its records': the main table and the paired-differences table, and the results guide's
/// ablation table, cell by cell, against `peakd report` recomputed from the committed run records
/// (docs/results/protocol/grid). A record added or changed
/// without the README following (as the ablation's seed 4 once was) fails here, naming the row.
/// </summary>
public class ReadmeResultsTests
{
    private static readonly Lazy<Dictionary<string, string[]>> Report = new(() =>
    {
        using TempFolder folder = TestFiles.TempFolder();
        string markdown = RunReport.Read([TestFiles.Repository("docs", "results", "protocol", "grid")], _ => { }, SameFolders).Write(folder.File("report"), "test");
        return TableRows(markdown.Split('\n')).GroupBy(Key).ToDictionary(g => g.Key, g => g.First());
    });

    /// <summary>The ablation's seed 5 was made in other folders of the same teacher and data (docs/results.md says how
    /// that was checked); its report command passes these as --same-folder.</summary>
    private static readonly Dictionary<string, string> SameFolders = new()
    {
        ["/work/main/runs/sweeps/protocol/teacher"] = "/work/main/runs/protocol/teacher",
        ["/work/main/data/fine-foods"] = "/work/grid-wt/data/fine-foods",
    };

    /// <summary>The report's rows by their first cell, and a paired row by "effect, k, A".</summary>
    private static string Key(string[] row) => row.Length == 9 && row[0] is not "k" ? $"{row[1]}|{row[0]}|{row[2]}" : row[0];

    [Fact]
    public void The_main_table_is_the_reports()
    {
        string[][] rows = ReadmeTable("| variant | student | parameters |").Where(r => !r[0].StartsWith("teacher", StringComparison.Ordinal)).ToArray();
        Assert.True(rows.Length >= 10, $"{rows.Length} rows");
        foreach (string[] row in rows)
        {
            Assert.True(Report.Value.TryGetValue(row[0], out string[]? computed), $"README's main table has {row[0]}, which the records' report has not");
            // the report adds an init column (the 5th); the README's rows are all from the pretrained start
            string[] expected = [.. computed[..4], .. computed[5..]];
            Assert.True(computed[4] == "pretrained", $"{row[0]}: the records' run starts from {computed[4]}");
            Assert.True(expected.SequenceEqual(row), $"README's row\n  {string.Join(" | ", row)}\nthe records give\n  {string.Join(" | ", expected)}");
        }
    }

    [Fact]
    public void The_paired_differences_are_the_reports() => AssertPairedTable("README.md", "| effect | k = 1 |",
    [
        ("SPS - PKD (KD at k = 1)", "SPS", ["SPS-1", "SPS-2", "SPS-3", "SPS-k"]),
        ("PeaBERT - SPS (PTP)", "PTP", ["PeaBERT-1", "PeaBERT-2", "PeaBERT-3", "PeaBERT-k"]),
        ("PeaBERT - PKD (both ideas)", "SPS + PTP", ["PeaBERT-1", "PeaBERT-2", "PeaBERT-3", "PeaBERT-k"]),
        ("SPS - SPS without shuffle", "shuffle", ["", "", "SPS-3", ""]),
    ]);

    [Fact]
    public void The_ablations_paired_differences_in_the_results_guide_are_the_reports() => AssertPairedTable("docs/results.md", "| SPS: pretrained - teacher start |",
    [
        ("SPS: pretrained - teacher start", "init", ["SPS-1", "SPS-2", "SPS-3", "SPS-k"]),
        ("PeaBERT: pretrained - teacher start", "init", ["PeaBERT-1", "PeaBERT-2", "PeaBERT-3", "PeaBERT-k"]),
        ("PeaBERT - SPS (PTP), both from the teacher", "PTP", ["PeaBERT-1 [from teacher]", "PeaBERT-2 [from teacher]", "PeaBERT-3 [from teacher]", "PeaBERT-k [from teacher]"]),
    ]);

    /// <summary>A table of paired differences, one effect a row and k = 1, 2, 3 and pooled as its columns: each cell
    /// ("mean [low, high], wins/ties/losses") must be the report's row for that effect, k and A; an empty A, an empty cell.
    /// Rows of the table not listed are left to other checks.</summary>
    private static void AssertPairedTable(string file, string rowOrHeader, (string Label, string Effect, string[] A)[] effects)
    {
        string[][] rows = DocTable(file, rowOrHeader);
        string[] ks = ["1", "2", "3", "1, 2, 3"];
        foreach ((string label, string effect, string[] a) in effects)
        {
            string[]? row = rows.SingleOrDefault(r => r[0] == label);
            Assert.True(row is not null, $"{file} has no row '{label}' in the table with '{rowOrHeader}'");
            for (int column = 0; column < 4; column++)
            {
                if (a[column].Length == 0)
                {
                    Assert.True(row[column + 1].Length == 0, $"{file}, {label}, k column {column + 1}: expected empty");
                    continue;
                }
                Assert.True(Report.Value.TryGetValue($"{effect}|{ks[column]}|{a[column]}", out string[]? computed), $"the records' report has no {effect} row at k = {ks[column]} for {a[column]}");
                string expected = $"{computed[5]} {computed[6].Replace(" (includes 0)", "", StringComparison.Ordinal)}, {computed[7].Replace(" ", "", StringComparison.Ordinal)}";
                Assert.True(expected == row[column + 1], $"{file}'s {label} at k = {ks[column]}: {row[column + 1]}; the records give {expected}");
            }
        }
    }

    private static string[][] ReadmeTable(string header) => DocTable("README.md", header);

    /// <summary>The body rows' cells of the first table in <paramref name="file"/> with a line (its header or a row)
    /// starting with <paramref name="line"/>.</summary>
    private static string[][] DocTable(string file, string line)
    {
        string[] lines = File.ReadAllLines(TestFiles.Repository(file));
        int at = Array.FindIndex(lines, l => l.StartsWith(line, StringComparison.Ordinal));
        Assert.True(at >= 0, $"{file} has no table with a line starting {line}");
        int start = at;
        while (start > 0 && lines[start - 1].StartsWith('|')) start--;
        return TableRows(lines.Skip(start + 2).TakeWhile(l => l.StartsWith('|'))).ToArray();
    }

    private static IEnumerable<string[]> TableRows(IEnumerable<string> lines) => lines
        .Where(l => l.StartsWith('|') && !l.StartsWith("|---", StringComparison.Ordinal))
        .Select(l => l.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray());
}
