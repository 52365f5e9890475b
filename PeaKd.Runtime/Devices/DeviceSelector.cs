using TorchSharp;
using PeaKd.Options;
using static TorchSharp.torch;

namespace PeaKd.Devices;

/// <summary>Resolves a <see cref="DeviceChoice"/> to a TorchSharp device.</summary>
internal static class DeviceSelector
{
    /// <summary>The device a choice names: Auto is CUDA when usable, else the CPU; Cuda without a usable GPU fails
    /// (<see cref="InvalidOptionException"/>) saying what to install or choose.</summary>
    /// <param name="choice">The choice.</param>
    internal static Device Resolve(DeviceChoice choice) => Resolve(choice, nameof(DeviceChoice));

    /// <param name="choice">The choice.</param>
    /// <param name="property">The option it came from, named when CUDA is asked for but missing.</param>
    internal static Device Resolve(DeviceChoice choice, string property) => choice switch
    {
        DeviceChoice.Auto => cuda.is_available() ? CUDA : CPU,
        DeviceChoice.Cpu => CPU,
        DeviceChoice.Cuda => cuda.is_available()
            ? CUDA
            : throw new InvalidOptionException(property,
                "is Cuda, but no CUDA device is available: the program runs libtorch's CPU backend, or the machine has no NVIDIA GPU. Choose Cpu, or run on a machine with an NVIDIA GPU with the CUDA backend (the TorchSharp-cuda-linux package)."),
        _ => throw new InvalidOptionException(property, $"is {choice}, which is not a DeviceChoice; use Auto, Cpu or Cuda."),
    };

    /// <summary>The device's name as logs and summaries write it: cpu or cuda.</summary>
    internal static string Name(Device device) => device.type.ToString().ToLowerInvariant();
}
