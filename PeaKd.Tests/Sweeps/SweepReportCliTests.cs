using PeaKd.Samples.Cli;
using PeaKd.Sweeps;
using PeaKd.Tests.Infrastructure;
using Xunit;
using static PeaKd.Tests.Sweeps.SweepResultFiles;

namespace PeaKd.Tests.Sweeps;

/// <summary><c>peakd sweep report</c>: the spec gives the folder and the budget.</summary>
[Collection(TrainingCollection.Name)]
public class SweepReportCliTests
{
    private static (int Exit, string Out, string Error) Peakd(params string[] args) => ConsoleCapture.Run(() => PeakdCli.Run(args));

    private static string[] Cells(TempFolder folder) => Write(folder.File("sweep"),
    [
        .. Seeds("Bert1", SweepRecipe.Kd, 11_056, [0.80, 0.82, 0.84], [0.79, 0.80, 0.81], [2.0, 2.0, 2.0], 1000),
        .. Seeds("Bert2", SweepRecipe.Kd, 18_560, [0.85, 0.86, 0.87], [0.80, 0.81, 0.82], [4.0, 4.0, 4.0], 2000),
    ]);

    [Fact]
    public void Report_writes_the_report_and_picks_within_the_specs_budget()
    {
        using var folder = TestFiles.TempFolder();
        string spec = SweepSpecFiles.Write(folder, """ "students": ["Bert1", "Bert2"], "recipes": ["kd"], "seeds": [1, 2, 3], "budget": { "max_int8_latency_milliseconds": 3 } """);
        Cells(folder);
        Write(folder.File("sweep"), Cell("Bert3", SweepRecipe.Kd, 1, 26_064, 0.99, 0.99, 1.0)); // a student since taken out of the spec
        var (exit, output, error) = Peakd("sweep", "report", spec, "--out", folder.File("out"));
        Assert.True(exit == 0, error);
        Assert.Contains("1 finished cells are no longer in the sweep's plan", error); // and Bert3 is not ranked
        Assert.DoesNotContain("Bert3", output);
        Assert.Contains("Budget: at most an int8 latency of 3 ms.", output);
        Assert.Contains("**Bert1 kd**: test accuracy **80.00**", output); // Bert2 kd is more accurate, but over the budget
        Assert.Contains($"to {folder.File("out")}", output);
        foreach (string file in new[] { "sweep-report.md", "pareto-parameters.png", "pareto-latency.png" })
        {
            Assert.True(File.Exists(Path.Combine(folder.File("out"), file)), file);
        }

        (exit, _, error) = Peakd("sweep", "report", spec); // by default, into the sweep folder's report/
        Assert.True(exit == 0, error);
        Assert.True(File.Exists(Path.Combine(folder.File("sweep"), "report", "sweep-report.md")));
    }

    [Fact]
    public void Report_refuses_a_damaged_result_naming_it()
    {
        using var folder = TestFiles.TempFolder();
        string spec = SweepSpecFiles.Write(folder, """ "students": ["Bert1", "Bert2"], "recipes": ["kd"], "seeds": [1, 2, 3] """);
        string damaged = Cells(folder)[0];
        File.WriteAllText(damaged, File.ReadAllText(damaged)[..100]);
        var (exit, _, error) = Peakd("sweep", "report", spec);
        Assert.Equal(1, exit);
        Assert.StartsWith($"peakd sweep report: {damaged}", error);
    }
}
