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
    private static readonly bool AmdWithAvx512 = Vendor() == "AuthenticAMD" && Avx512F.IsSupported && Avx512F.VL.IsSupported
        && Avx512BW.IsSupported && Avx512DQ.IsSupported && Avx512CD.IsSupported;

    [Fact]
    public void In_this_process_MKL_takes_its_fast_path_where_the_CPU_has_it()
    {
        using (var product = ones(64, 64).matmul(ones(64, 64))) { } // libtorch and MKL loaded and used

        int? path = MklFastPath.MklCodePath;
        Assert.NotNull(path); // libtorch-cpu links MKL
        if (AmdWithAvx512)
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

    private static string Vendor()
    {
        if (!X86Base.IsSupported) return "";
        (int _, int ebx, int ecx, int edx) = X86Base.CpuId(0, 0);
        return string.Concat(new[] { ebx, edx, ecx }.Select(r => System.Text.Encoding.ASCII.GetString(BitConverter.GetBytes(r))));
    }
}
