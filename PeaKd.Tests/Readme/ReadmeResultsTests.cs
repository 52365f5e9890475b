using PeaKd.Reporting;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Readme;

/// <summary>
/// The README's results are its records': the main table and the paired-differences table, cell by cell, against
/// `peakd report` recomputed from the committed run records (docs/results/protocol/grid). A record added or changed
/// without the README following (as the ablation's seed 4 once was) fails here, naming the row.
/// </summary>
public class ReadmeResultsTests
{
    private static readonly Lazy<Dictionary<string, string[]>> Report = new(() =>
    {
        using TempFolder folder = TestFiles.TempFolder();
        string markdown = RunReport.Read([TestFiles.Repository("docs", "results", "protocol", "grid")], _ => { }).Write(folder.File("report"), "test");
        return TableRows(markdown.Split('\n')).GroupBy(Key).ToDictionary(g => g.Key, g => g.First());
    });

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
    public void The_paired_differences_are_the_reports()
    {
        // the README's rows: the effect, then its comparison at k = 1, 2, 3 and pooled over k
        (string Readme, string Effect, string[] A)[] effects =
        [
            ("SPS - PKD (KD at k = 1)", "SPS", ["SPS-1", "SPS-2", "SPS-3", "SPS-k"]),
            ("PeaBERT - SPS (PTP)", "PTP", ["PeaBERT-1", "PeaBERT-2", "PeaBERT-3", "PeaBERT-k"]),
            ("PeaBERT - PKD (both ideas)", "SPS + PTP", ["PeaBERT-1", "PeaBERT-2", "PeaBERT-3", "PeaBERT-k"]),
            ("SPS - SPS without shuffle", "shuffle", ["", "", "SPS-3", ""]),
        ];
        string[][] rows = ReadmeTable("| effect | k = 1 |");
        Assert.Equal(effects.Select(e => e.Readme), rows.Select(r => r[0]));
        string[] ks = ["1", "2", "3", "1, 2, 3"];
        foreach ((string readme, string effect, string[] a) in effects)
        {
            string[] row = rows.Single(r => r[0] == readme);
            for (int column = 0; column < 4; column++)
            {
                if (a[column].Length == 0)
                {
                    Assert.True(row[column + 1].Length == 0, $"{readme}, k column {column + 1}: expected empty");
                    continue;
                }
                string[] computed = Report.Value[$"{effect}|{ks[column]}|{a[column]}"];
                string expected = $"{computed[5]} {computed[6].Replace(" (includes 0)", "", StringComparison.Ordinal)}, {computed[7].Replace(" ", "", StringComparison.Ordinal)}";
                Assert.True(expected == row[column + 1], $"README's {readme} at k = {ks[column]}: {row[column + 1]}; the records give {expected}");
            }
        }
    }

    /// <summary>The README table whose header starts with <paramref name="header"/>: its body rows' cells.</summary>
    private static string[][] ReadmeTable(string header)
    {
        string[] lines = File.ReadAllLines(TestFiles.Repository("README.md"));
        int start = Array.FindIndex(lines, l => l.StartsWith(header, StringComparison.Ordinal));
        Assert.True(start >= 0, $"README has no table starting {header}");
        return TableRows(lines.Skip(start + 2).TakeWhile(l => l.StartsWith('|'))).ToArray();
    }

    private static IEnumerable<string[]> TableRows(IEnumerable<string> lines) => lines
        .Where(l => l.StartsWith('|') && !l.StartsWith("|---", StringComparison.Ordinal))
        .Select(l => l.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray());
}
