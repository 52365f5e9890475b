namespace PeaKd.Devices;

/// <summary>Where a model runs.</summary>
public enum DeviceChoice
{
    /// <summary>A CUDA GPU when one is usable (the CUDA backend is installed and a device is present), else the CPU.</summary>
    Auto,

    /// <summary>The CPU.</summary>
    Cpu,

    /// <summary>A CUDA GPU; fails before anything runs when none is usable.</summary>
    Cuda,
}
