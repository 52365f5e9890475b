using System.Diagnostics;
using PeaKd.Build;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.NativeFix;

public class ElfVersionNeedPatcherTests
{
    private static string PristineLibrary(string name) =>
        Path.Combine(TestFiles.NuGetPackageRoot, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", name);

    private static string LibTorchNative(string name) =>
        Path.Combine(TestFiles.NuGetPackageRoot, "libtorch-cpu-linux-x64", "2.10.0", "runtimes", "linux-x64", "native", name);

    [Fact]
    public void Marks_the_need_weak_by_changing_only_its_flags_and_is_idempotent()
    {
        using var folder = TestFiles.TempFolder();
        string copy = folder.File("libLibTorchSharp.so");
        File.Copy(PristineLibrary("libLibTorchSharp.so"), copy);
        byte[] before = File.ReadAllBytes(copy);
        int flags = ElfVersionNeedPatcher.FindVersionFlags(before, "GLIBCXX_3.4.32", copy);
        Assert.Equal(0, BitConverter.ToUInt16(before, flags) & 2);
        Assert.Equal("none", ReadelfFlags(copy, "GLIBCXX_3.4.32"));

        Assert.Equal(WeakVersionOutcome.Patched, ElfVersionNeedPatcher.MarkWeak(copy, "GLIBCXX_3.4.32"));
        byte[] after = File.ReadAllBytes(copy);
        int[] changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToArray();
        Assert.Equal([flags], changed);
        Assert.Equal(2, BitConverter.ToUInt16(after, flags) & 2);
        Assert.Equal("WEAK", ReadelfFlags(copy, "GLIBCXX_3.4.32")); // binutils reads the patched need as the loader will

        Assert.Equal(WeakVersionOutcome.AlreadyWeak, ElfVersionNeedPatcher.MarkWeak(copy, "GLIBCXX_3.4.32"));
        Assert.Equal(after, File.ReadAllBytes(copy));
    }

    [Fact]
    public void A_library_without_the_need_is_left_alone()
    {
        using var folder = TestFiles.TempFolder();
        string copy = folder.File("libc10.so");
        File.Copy(LibTorchNative("libc10.so"), copy);
        byte[] before = File.ReadAllBytes(copy);

        Assert.Equal(WeakVersionOutcome.NotRequired, ElfVersionNeedPatcher.MarkWeak(copy, "GLIBCXX_3.4.32"));
        Assert.Equal(before, File.ReadAllBytes(copy));
    }

    [Fact]
    public void A_file_that_is_not_ELF_fails_with_its_name()
    {
        using var folder = TestFiles.TempFolder();
        string path = folder.File("not-a-library.so");
        File.WriteAllText(path, "just text, not an ELF shared object");

        var error = Assert.Throws<InvalidDataException>(() => ElfVersionNeedPatcher.MarkWeak(path, "GLIBCXX_3.4.32"));
        Assert.Contains(path, error.Message);
        Assert.Contains("not an ELF file", error.Message);
    }

    [Fact]
    public void A_truncated_library_fails_clearly_instead_of_reading_past_the_end()
    {
        using var folder = TestFiles.TempFolder();
        string path = folder.File("truncated.so");
        byte[] whole = File.ReadAllBytes(PristineLibrary("libLibTorchSharp.so"));
        File.WriteAllBytes(path, whole[..4096]);

        var error = Assert.Throws<InvalidDataException>(() => ElfVersionNeedPatcher.MarkWeak(path, "GLIBCXX_3.4.32"));
        Assert.Contains("corrupt", error.Message);
    }

    /// <summary>The flags binutils' readelf prints for a version need: an independent reading of the patched bytes.</summary>
    private static string ReadelfFlags(string library, string version)
    {
        var start = new ProcessStartInfo("readelf", ["--version-info", "--wide", library]) { RedirectStandardOutput = true };
        start.Environment["LC_ALL"] = "C"; // readelf translates "Name:" and "Flags:"
        Process readelf;
        try
        {
            readelf = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception error)
        {
            throw new InvalidOperationException("readelf could not be started; this test needs binutils (installed with gcc).", error);
        }
        using (readelf)
        {
            string output = readelf.StandardOutput.ReadToEnd();
            readelf.WaitForExit();
            Assert.True(readelf.ExitCode == 0, $"readelf exited with {readelf.ExitCode} on {library}");
            // "  0x0140:   Name: GLIBCXX_3.4.32  Flags: none  Version: 18"
            string line = output.Split('\n').Single(l => l.Contains($"Name: {version} ", StringComparison.Ordinal));
            return line.Split("Flags:")[1].Trim().Split(' ')[0];
        }
    }
}
