using PeaKd.Native;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Native;

/// <summary>The shared object PeaKd writes by hand (no compiler): binutils' readelf, an independent ELF reader, finds
/// what the loader needs in it, and glibc's loader loads it and runs its code.</summary>
public class ReturnOneLibraryTests
{
    [Fact]
    public void Readelf_reads_a_shared_object_exporting_the_function_with_a_non_executable_stack()
    {
        using TempFolder folder = TestFiles.TempFolder();
        string file = folder.File("shim.so");
        File.WriteAllBytes(file, ReturnOneLibrary.Build("mkl_serv_intel_cpu_true", "libpeakd-test.so"));

        (int exit, string output) = Readelf(file);

        Assert.True(exit == 0, output);
        Assert.DoesNotContain("Warning", output, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Error", output, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("DYN (Shared object file)", output);
        Assert.Contains("X86-64", output);
        string[] lines = output.Split('\n');
        Assert.Contains(lines, l => l.Contains(" 6 FUNC") && l.Contains("GLOBAL") && l.Contains("DEFAULT") && l.TrimEnd().EndsWith(" mkl_serv_intel_cpu_true", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("(SONAME)") && l.Contains("[libpeakd-test.so]"));
        string stack = Assert.Single(lines, l => l.TrimStart().StartsWith("GNU_STACK", StringComparison.Ordinal));
        Assert.Contains(" RW ", stack); // readable and writable, not executable
        Assert.Equal(2, lines.Count(l => l.TrimStart().StartsWith("LOAD ", StringComparison.Ordinal)));
    }

    [Fact]
    public void The_loader_loads_it_and_its_function_returns_one()
    {
        // A name of its own, so the test's object cannot stand in for MKL's vendor check in this process.
        string function = $"peakd_test_returns_one_{Guid.NewGuid():N}";
        string soname = $"libpeakd-test-{Guid.NewGuid():N}.so";
        Assert.Null(NativeLoader.CallIntFunction(soname, function)); // not loaded yet

        string? refused = NativeLoader.LoadGlobal(ReturnOneLibrary.Build(function, soname), "peakd-test");

        Assert.Null(refused);
        Assert.True(NativeLoader.IsLoaded(soname));
        Assert.Equal(1, NativeLoader.CallIntFunction(soname, function));
        Assert.Null(NativeLoader.CallIntFunction(soname, "no_such_function"));
    }

    /// <summary>readelf's header, program headers, dynamic section and symbols; symbols read through the dynamic
    /// section (--use-dynamic), as the loader finds them, since the object has no section headers.</summary>
    [Fact]
    public void Names_too_long_for_the_first_page_are_refused_rather_than_overlapping_the_dynamic_section()
    {
        var refused = Assert.Throws<ArgumentException>(() => ReturnOneLibrary.Build(new string('f', 4000), "libx.so"));
        Assert.Contains("do not fit", refused.Message);
    }

    private static (int Exit, string Output) Readelf(string file)
    {
        var start = new System.Diagnostics.ProcessStartInfo("readelf", ["-W", "--use-dynamic", "-h", "-l", "-d", "-s", file])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        System.Diagnostics.Process process;
        try
        {
            process = System.Diagnostics.Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"readelf did not start ({e.Message}); install binutils (apt-get install binutils).", e);
        }
        using var _ = process;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }
}
