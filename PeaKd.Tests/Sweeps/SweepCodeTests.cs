using System.Text;
using PeaKd.Sweeps;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Sweeps;

/// <summary>A sweep's cells are tied to the hash of the runtime's and the application's assemblies (SweepCode). For a
/// rebuild of the same code to be known as the same code (another folder, another node, a later session), the bytes
/// must not hold where or from which commit they were built (Directory.Build.props maps the path and leaves the commit
/// out of the version).</summary>
public class SweepCodeTests
{
    public static TheoryData<string> Assemblies => new() { "PeaKd.Runtime.dll", "peakd.dll", "PeaKd.Slurm.dll", "PeaKd.Reporting.dll" };

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void The_assemblies_a_cell_is_tied_to_hold_neither_their_build_folder_nor_their_commit(string assembly)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, assembly));
        string repository = TestFiles.Repository();
        Assert.False(Contains(bytes, Encoding.UTF8.GetBytes(repository)), $"{assembly} holds the folder it was built in ({repository})");
        Assert.False(Contains(bytes, Encoding.Unicode.GetBytes(repository)), $"{assembly} holds the folder it was built in ({repository}, UTF-16)");
        string version = typeof(SweepRunner).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().Single().InformationalVersion;
        Assert.DoesNotContain("+", version, StringComparison.Ordinal); // 0.1.0, not 0.1.0+<commit>
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
