using TorchSharp;
using static TorchSharp.torch;

namespace PeaKd.Precision;

/// <summary>Resolves a <see cref="PrecisionChoice"/>: auto picks bf16 where the hardware runs it fast.</summary>
internal static class PrecisionSelector
{
    /// <summary>The precision a choice means on <paramref name="device"/>, and why (worth logging at the start of a run).</summary>
    /// <param name="choice">The choice.</param>
    /// <param name="device">Where the model runs.</param>
    /// <returns>The precision and why it was chosen (reported at the start of every run).</returns>
    internal static (ComputePrecision Precision, string Reason) Resolve(PrecisionChoice choice, Device device) => choice switch
    {
        PrecisionChoice.Fp32 => (ComputePrecision.Fp32, "asked for"),
        PrecisionChoice.Bf16 => (ComputePrecision.Bf16, "asked for"),
        _ => Auto(device, device.type == DeviceType.CUDA ? null : ReadCpuFlags()),
    };

    private static (ComputePrecision, string) Auto(Device device, string? cpuinfo)
    {
        if (device.type == DeviceType.CUDA)
        {
            // TorchSharp does not expose the compute capability; bf16 tensor cores came with Ampere (sm_80).
            return (ComputePrecision.Bf16, "auto: CUDA device (bf16 needs an Ampere or newer GPU; choose Fp32 on older ones)");
        }
        string? flag = cpuinfo is null ? null : Bf16Flag(cpuinfo);
        return flag is null
            ? (ComputePrecision.Fp32, "auto: this CPU has no AVX-512 BF16 or AMX, where bf16 would be slower than fp32")
            : (ComputePrecision.Bf16, $"auto: the CPU has {flag}");
    }

    private static string? ReadCpuFlags() => File.Exists("/proc/cpuinfo") ? File.ReadAllText("/proc/cpuinfo") : null;

    /// <summary>The CPU feature in a /proc/cpuinfo text that makes bf16 matrix products fast (amx_bf16 before
    /// avx512_bf16), read from the first "flags" line; null when there is none.</summary>
    internal static string? Bf16Flag(string cpuinfo)
    {
        string? flags = cpuinfo.Split('\n').FirstOrDefault(line => line.StartsWith("flags", StringComparison.Ordinal));
        string[] names = flags?.Split(':', 2)[^1].Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries) ?? [];
        return new[] { "amx_bf16", "avx512_bf16" }.FirstOrDefault(names.Contains);
    }

    /// <summary>fp32 or bf16, as logs and summaries write it.</summary>
    /// <param name="precision">The precision.</param>
    internal static string Name(ComputePrecision precision) => precision == ComputePrecision.Bf16 ? "bf16" : "fp32";
}
