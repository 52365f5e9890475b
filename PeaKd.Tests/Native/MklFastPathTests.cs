using System.Runtime.Intrinsics.X86;
using PeaKd.Native;
using PeaKd.Tests.Infrastructure;
using Xunit;
using static TorchSharp.torch;

namespace PeaKd.Tests.Native;

/// <summary>
/// What PeaKd does about MKL's vendor check, judged by MKL itself: <c>mkl_serv_cpu_detect</c> is the code path MKL
/// chose (0 its generic one). On this project's machines (AMD EPYC with AVX-512) the test host answers the check and
/// MKL takes a wide path; a peakd process with the variable off stays on the generic one.
/// </summary>
[Collection(TrainingCollection.Name)] // loads libtorch in the test host
public class MklFastPathTests
{
    /// <summary>The CPU as the kernel reports it (/proc/cpuinfo), not as PeaKd reads it, so a mistake there shows.</summary>
    internal static readonly bool AmdWithAvx512 = Vendor() == "AuthenticAMD" && Flags().IsSupersetOf(["avx512f", "avx512vl", "avx512bw", "avx512dq", "avx512cd"])
        && Avx512F.IsSupported; // and not hidden from .NET

    private static readonly bool TurnedOffHere = Environment.GetEnvironmentVariable(MklFastPath.EnvironmentVariable)?.Trim().ToLowerInvariant() is "off" or "0" or "false";

    [Fact]
    public void In_this_process_MKL_takes_its_fast_path_where_the_CPU_has_it()
    {
        using (var product = ones(64, 64).matmul(ones(64, 64))) { } // libtorch and MKL loaded and used

        int? path = MklFastPath.MklCodePath;
        Assert.NotNull(path); // libtorch-cpu links MKL
        if (TurnedOffHere)
        {
            Assert.Equal(MklFastPathState.TurnedOff, MklFastPath.State); // the shell running the tests turned it off
        }
        else if (AmdWithAvx512)
        {
            Assert.True(MklFastPath.State == MklFastPathState.Active, $"{MklFastPath.State}: {MklFastPath.Reason}");
            Assert.True(path > 0, $"MKL chose its generic path ({path}) although PeaKd answered its vendor check");
        }
        else if (Vendor() == "GenuineIntel")
        {
            Assert.Equal(MklFastPathState.NotNeeded, MklFastPath.State);
        }
        else
        {
            Assert.NotEqual(MklFastPathState.Active, MklFastPath.State);
        }
    }

    [Fact]
    public void Peakd_with_the_variable_off_leaves_MKL_to_itself_and_says_so()
    {
        var (exit, output) = DotnetCli.Run(AppContext.BaseDirectory, TimeSpan.FromMinutes(2),
            new Dictionary<string, string> { [MklFastPath.EnvironmentVariable] = "off" }, [PeakdProcess.Dll, "info"]);

        Assert.True(exit == 0, output);
        Assert.Contains("MKL fast path: TurnedOff (PEAKD_MKL_FAST_PATH=off)", output);
        if (AmdWithAvx512)
        {
            Assert.Contains("MKL's code path 0,", output); // MKL's generic path: what PeaKd's answer changes
        }
    }

    [Fact]
    public void Peakd_refuses_a_value_of_the_variable_that_is_neither_on_nor_off()
    {
        var (exit, output) = DotnetCli.Run(AppContext.BaseDirectory, TimeSpan.FromMinutes(2),
            new Dictionary<string, string> { [MklFastPath.EnvironmentVariable] = "fast" }, [PeakdProcess.Dll, "students"]);

        Assert.Equal(1, exit);
        Assert.Contains("PEAKD_MKL_FAST_PATH is 'fast'; set it to on or off", output);
    }

    private static string Vendor() => CpuInfo("vendor_id").FirstOrDefault() ?? "";

    private static HashSet<string> Flags() => [.. CpuInfo("flags").FirstOrDefault()?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? []];

    private static IEnumerable<string> CpuInfo(string field) => File.Exists("/proc/cpuinfo")
        ? File.ReadLines("/proc/cpuinfo").Where(l => l.StartsWith(field, StringComparison.Ordinal) && l.Contains(':')).Select(l => l[(l.IndexOf(':') + 1)..].Trim())
        : [];
}
