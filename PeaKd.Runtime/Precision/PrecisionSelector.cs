using TorchSharp;
using static TorchSharp.torch;

namespace PeaKd.Precision;

/// <summary>Resolves <c>--precision fp32|bf16|auto</c>: auto picks bf16 where the hardware runs it fast.</summary>
public static class PrecisionSelector
{
    public static IReadOnlyList<string> Choices { get; } = ["fp32", "bf16", "auto"];

    /// <returns>The precision and why it was chosen (logged at the start of every run).</returns>
    public static (ComputePrecision Precision, string Reason) Resolve(string choice, Device device) => choice.Trim().ToLowerInvariant() switch
    {
        "fp32" => (ComputePrecision.Fp32, "asked for"),
        "bf16" => (ComputePrecision.Bf16, "asked for"),
        "auto" => Auto(device),
        _ => throw new ArgumentException($"--precision '{choice}' is not known; use one of {string.Join(", ", Choices)}."),
    };

    private static (ComputePrecision, string) Auto(Device device)
    {
        if (device.type == DeviceType.CUDA)
        {
            // TorchSharp does not expose the compute capability; bf16 tensor cores came with Ampere (sm_80).
            return (ComputePrecision.Bf16, "auto: CUDA device (bf16 needs an Ampere or newer GPU; use --precision fp32 on older ones)");
        }
        string? flag = CpuBf16Flag();
        return flag is null
            ? (ComputePrecision.Fp32, "auto: this CPU has no AVX-512 BF16 or AMX, where bf16 would be slower than fp32")
            : (ComputePrecision.Bf16, $"auto: the CPU has {flag}");
    }

    /// <summary>The CPU feature that makes bf16 matrix products fast (amx_bf16 or avx512_bf16), from /proc/cpuinfo; null if none.</summary>
    public static string? CpuBf16Flag()
    {
        const string cpuinfo = "/proc/cpuinfo";
        if (!File.Exists(cpuinfo))
        {
            return null;
        }
        string? flags = File.ReadLines(cpuinfo).FirstOrDefault(line => line.StartsWith("flags", StringComparison.Ordinal));
        string[] names = flags?.Split(':', 2)[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
        return new[] { "amx_bf16", "avx512_bf16" }.FirstOrDefault(names.Contains);
    }

    public static string Name(ComputePrecision precision) => precision == ComputePrecision.Bf16 ? "bf16" : "fp32";
}
