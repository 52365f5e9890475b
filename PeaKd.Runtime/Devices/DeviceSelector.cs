using TorchSharp;
using static TorchSharp.torch;

namespace PeaKd.Devices;

/// <summary>Resolves the <c>--device auto|cpu|cuda</c> option to a TorchSharp device.</summary>
public static class DeviceSelector
{
    public static IReadOnlyList<string> Choices { get; } = ["auto", "cpu", "cuda"];

    /// <summary>auto = CUDA when available, otherwise CPU; cuda fails clearly when no CUDA device is usable.</summary>
    public static Device Resolve(string choice) => choice.Trim().ToLowerInvariant() switch
    {
        "auto" => cuda.is_available() ? CUDA : CPU,
        "cpu" => CPU,
        "cuda" => cuda.is_available()
            ? CUDA
            : throw new ArgumentException(
                "--device cuda: no CUDA device is available. This build uses the CPU backend; rebuild with -p:TorchBackend=cuda on a machine with an NVIDIA GPU, or use --device cpu."),
        _ => throw new ArgumentException($"--device '{choice}' is not known; use one of {string.Join(", ", Choices)}."),
    };
}
