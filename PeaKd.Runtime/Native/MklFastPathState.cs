namespace PeaKd.Native;

/// <summary>Whether PeaKd answers the vendor check of libtorch's bundled oneMKL (see <see cref="MklFastPath"/>).</summary>
public enum MklFastPathState
{
    /// <summary>Answered: an AMD CPU with AVX-512, so MKL picks its kernels by the CPU's features, as on Intel.</summary>
    Active,

    /// <summary>Not needed: an Intel CPU, where MKL takes its fast path by itself.</summary>
    NotNeeded,

    /// <summary>Not done on this machine: not Linux on x86-64, or a CPU without AVX-512 (the only kind checked).</summary>
    Unsupported,

    /// <summary>Turned off by the environment variable or the application's switch.</summary>
    TurnedOff,

    /// <summary>Not done: the environment variable holds neither on nor off.</summary>
    InvalidSetting,

    /// <summary>Not done: libtorch was loaded before PeaKd, so MKL's check was already bound.</summary>
    TooLate,

    /// <summary>Tried, and the loader refused the shim; <see cref="MklFastPath.Reason"/> says why.</summary>
    Failed,
}
