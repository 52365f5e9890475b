using System.Security.Cryptography;
using System.Text;
using PeaKd.Samples.Cli;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Sweeps;

/// <summary><c>peakd sweep plan</c> on a small spec.</summary>
[Collection(TrainingCollection.Name)]
public class SweepCliTests
{
    private static (int Exit, string Out, string Error) Peakd(params string[] args) => ConsoleCapture.Run(() => PeakdCli.Run(args));

    private static string Id(string canonical) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))[..12];

    [Fact]
    public void Plan_prints_the_cells_and_what_was_left_out()
    {
        using var folder = TestFiles.TempFolder();
        string spec = SweepSpecFiles.Write(folder, """
            "students": ["Bert1", "PeaBert1"], "recipes": ["pkd", "peabert"], "seeds": [1], "axes": { "kd_epochs": [2, 3] }
            """);
        var (exit, output, error) = Peakd("sweep", "plan", spec);
        Assert.True(exit == 0, error);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        string bert1 = Id("""{"axes":{"kd_epochs":"2"},"recipe":"pkd","seed":1,"student":"Bert1"}""");
        string peaBert1 = Id("""{"axes":{"kd_epochs":"3"},"recipe":"peabert","seed":1,"student":"PeaBert1"}""");
        Assert.Equal("4 cells; parameters are the student's own at the teacher's sizes, the classifier excluded.", lines[0]);
        Assert.Equal("id            student        recipe    seed   parameters  settings", lines[1]);
        // columns: id 12, student 14, recipe 8, seed 5, parameters 12 (1 owned layer at the fixture's sizes: 11,056)
        Assert.Equal(bert1 + "  Bert1          pkd          1       11,056  kd_epochs=2", lines[2]);
        Assert.Equal(peaBert1 + "  PeaBert1       peabert      1       11,056  kd_epochs=3", lines[5]);
        Assert.StartsWith("no time estimates: the data could not be read (", lines[6]); // the spec's data folder does not exist
        Assert.Equal("4 cells left out: 4 as impossible pairs, 0 over budget.", lines[7]);
        Assert.Equal("  Bert1 x peabert: impossible pair, 2 cells (peabert needs a student with shared layers, and Bert1 has none)", lines[8]);
        Assert.Equal("  PeaBert1 x pkd: impossible pair, 2 cells (pkd is for plain students, and PeaBert1 shares layers; use sps or peabert)", lines[9]);
        Assert.Equal(10, lines.Length);
        Assert.False(Directory.Exists(folder.File("sweep")), "plan writes nothing");
    }

    [Fact]
    public void Plan_refuses_a_bad_spec_naming_the_field()
    {
        using var folder = TestFiles.TempFolder();
        string spec = SweepSpecFiles.Write(folder, """ "students": ["Nobody"], "recipes": ["pkd"] """);
        var (exit, _, error) = Peakd("sweep", "plan", spec);
        Assert.Equal(1, exit);
        Assert.StartsWith($"peakd sweep plan: {spec}: $.students[0] is \"Nobody\", not a student of this program;", error);
    }
}
