using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace PeaKd.Native;

/// <summary>
/// libtorch's CPU build links Intel's oneMKL, which runs fp32 matrix products through its generic, slow kernels on
/// any CPU whose vendor is not Intel, whatever its instruction set. MKL asks one exported function,
/// <c>mkl_serv_intel_cpu_true</c>, whether the CPU is Intel's. On an AMD CPU with AVX-512, PeaKd loads a tiny shared
/// object of its own into the process's global symbol scope before TorchSharp loads libtorch; it exports that one
/// function and answers yes, so MKL chooses its kernels by the CPU's features, as it does on Intel. Nothing in
/// libtorch or MKL is modified: the loader's ordinary symbol lookup finds PeaKd's answer first.
/// Runs once, when PeaKd's runtime is first used. Off with the environment variable
/// <see cref="EnvironmentVariable"/>=off, or the application's runtime switch <see cref="SwitchName"/> set to false
/// (<c>&lt;RuntimeHostConfigurationOption Include="PeaKd.MklFastPath" Value="false" /&gt;</c> in its project).
/// </summary>
public static class MklFastPath
{
    /// <summary>The environment variable: <c>off</c> (or 0, false) turns the mechanism off, <c>on</c> (1, true) or
    /// unset leaves it on where the CPU qualifies. It wins over the switch.</summary>
    public const string EnvironmentVariable = "PEAKD_MKL_FAST_PATH";

    /// <summary>The runtime configuration switch; false turns the mechanism off.</summary>
    public const string SwitchName = "PeaKd.MklFastPath";

    private const string LibtorchCpu = "libtorch_cpu.so";
    private const string VendorCheck = "mkl_serv_intel_cpu_true";

    /// <summary>What was done in this process.</summary>
    public static MklFastPathState State { get; private set; } = MklFastPathState.Unsupported;

    /// <summary>Why, in words (names the CPU, the setting or the loader's error).</summary>
    public static string Reason { get; private set; } = "not decided";

    /// <summary>The code path MKL chose (its <c>mkl_serv_cpu_detect</c>: 0 is its generic path, higher numbers wider
    /// instruction sets), once libtorch is loaded; null before, or where the libtorch build has no MKL.</summary>
    public static int? MklCodePath
    {
        get
        {
            try
            {
                return NativeLoader.CallIntFunction(LibtorchCpu, "mkl_serv_cpu_detect");
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                return null; // not glibc: nothing to ask
            }
        }
    }

    // A library's module initializer, on purpose: it must run before any of PeaKd's code can load libtorch.
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255", Justification = "MKL's vendor check must be answered before libtorch loads, whichever PeaKd type the application touches first.")]
    internal static void AnswerBeforeLibtorchLoads()
    {
        try
        {
            (State, Reason) = Decide();
        }
        catch (Exception e) // a module initializer that throws breaks every PeaKd type: report it instead
        {
            (State, Reason) = (MklFastPathState.Failed, $"{e.GetType().Name}: {e.Message}; set {EnvironmentVariable}=off to skip the attempt");
        }
    }

    private static (MklFastPathState, string) Decide()
    {
        string? setting = Environment.GetEnvironmentVariable(EnvironmentVariable)?.Trim().ToLowerInvariant();
        if (setting is "off" or "0" or "false") return (MklFastPathState.TurnedOff, $"{EnvironmentVariable}={setting}");
        if (setting is not (null or "" or "on" or "1" or "true"))
            return (MklFastPathState.InvalidSetting, $"{EnvironmentVariable} is '{setting}'; set it to on or off");
        if (string.IsNullOrEmpty(setting) && AppContext.TryGetSwitch(SwitchName, out bool enabled) && !enabled)
            return (MklFastPathState.TurnedOff, $"the runtime switch {SwitchName} is false");

        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
            return (MklFastPathState.Unsupported, $"only done on Linux x86-64; this is {RuntimeInformation.OSDescription} {RuntimeInformation.ProcessArchitecture}");
        string vendor = CpuVendor();
        if (vendor == "GenuineIntel") return (MklFastPathState.NotNeeded, "an Intel CPU: MKL takes its fast path by itself");
        if (vendor != "AuthenticAMD") return (MklFastPathState.Unsupported, $"CPU vendor {vendor}: only AMD CPUs are checked");
        if (!(Avx512F.IsSupported && Avx512F.VL.IsSupported && Avx512BW.IsSupported && Avx512DQ.IsSupported && Avx512CD.IsSupported))
            return (MklFastPathState.Unsupported, "an AMD CPU without AVX-512 (F, VL, BW, DQ, CD), or with it hidden from .NET (DOTNET_EnableAVX512F=0): not checked, left to MKL");
        if (NativeLoader.IsLoaded(LibtorchCpu))
            return (MklFastPathState.TooLate, "libtorch was loaded before PeaKd: use a PeaKd type before TorchSharp");

        string? refused = NativeLoader.LoadGlobal(ReturnOneLibrary.Build(VendorCheck, "libpeakd-mkl-vendor.so"), "peakd-mkl-vendor");
        return refused is null
            ? (MklFastPathState.Active, "an AMD CPU with AVX-512: PeaKd answers MKL's vendor check")
            : (MklFastPathState.Failed, $"the vendor-check shim did not load ({refused})");
    }

    private static string CpuVendor()
    {
        (int _, int ebx, int ecx, int edx) = X86Base.CpuId(0, 0);
        Span<byte> name = stackalloc byte[12];
        BitConverter.TryWriteBytes(name[0..4], ebx);
        BitConverter.TryWriteBytes(name[4..8], edx);
        BitConverter.TryWriteBytes(name[8..12], ecx);
        return System.Text.Encoding.ASCII.GetString(name);
    }
}
