using System.Runtime.InteropServices;

namespace PeaKd.Sweeps;

/// <summary>The CPU this process runs on, as a serving measurement records it: latencies compare only between results
/// measured on the same CPU model.</summary>
internal static class MachineCpu
{
    /// <summary>/proc/cpuinfo's first "model name" (Linux on x86); else Windows' PROCESSOR_IDENTIFIER; else a name that
    /// says the model is unknown, with the architecture, logical cores and system, so that such results group together
    /// rather than pass for a known model.</summary>
    public static string Model() =>
        FromCpuInfo("/proc/cpuinfo")
        ?? NullIfEmpty(Environment.GetEnvironmentVariable("PROCESSOR_IDENTIFIER"))
        ?? $"unknown {RuntimeInformation.ProcessArchitecture} CPU ({Environment.ProcessorCount} logical cores, {RuntimeInformation.OSDescription})";

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>The first "model name" value of a cpuinfo file; null when the file or the field is missing or empty (on
    /// many ARM systems it is).</summary>
    internal static string? FromCpuInfo(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        foreach (string line in File.ReadLines(path).Take(10_000)) // a pseudo-file has no length to bound it by; its lines do
        {
            string[] parts = line.Split(':', 2);
            if (parts.Length == 2 && parts[0].Trim() == "model name" && parts[1].Trim() is { Length: > 0 } name)
            {
                return name;
            }
        }
        return null;
    }
}
