using System.Diagnostics;
using System.Text;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Sweeps;

/// <summary>A sweep's cells are tied to the hash of the runtime's and the application's assemblies (BuildCode). For a
/// rebuild of the same code to be known as the same code (another folder, another node, a later session), the bytes
/// must not hold where or from which commit they were built (Directory.Build.props maps the path, leaves the commit out
/// of the version and turns Source Link off). The application's symbols record its references' ids, and the
/// assembly carries its symbols' checksum, so the assemblies it references (Slurm, Reporting) must hold neither either.</summary>
public class SweepCodeTests
{
    public static TheoryData<string> Assemblies => new() { "PeaKd.Runtime.dll", "peakd.dll", "PeaKd.Slurm.dll", "PeaKd.Reporting.dll" };

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void The_assemblies_a_cell_is_tied_to_hold_neither_their_build_folder_nor_their_commit(string assembly)
    {
        string file = Path.Combine(AppContext.BaseDirectory, assembly);
        string repository = TestFiles.Repository();
        foreach (string built in new[] { file, Path.ChangeExtension(file, ".pdb") })
        {
            byte[] bytes = File.ReadAllBytes(built);
            Assert.False(Contains(bytes, Encoding.UTF8.GetBytes(repository)), $"{built} holds the folder it was built in ({repository})");
            Assert.False(Contains(bytes, Encoding.Unicode.GetBytes(repository)), $"{built} holds the folder it was built in ({repository}, UTF-16)");
        }
        string version = FileVersionInfo.GetVersionInfo(file).ProductVersion!;
        Assert.DoesNotContain("+", version, StringComparison.Ordinal); // 0.1.0, not 0.1.0+<commit>
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
