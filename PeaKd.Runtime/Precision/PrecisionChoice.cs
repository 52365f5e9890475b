namespace PeaKd.Precision;

/// <summary>How a run computes: a fixed <see cref="ComputePrecision"/>, or the one the hardware runs fastest.</summary>
public enum PrecisionChoice
{
    /// <summary>Everything in fp32.</summary>
    Fp32,

    /// <summary>Matrix products in bfloat16 on bf16 copies of fp32 master weights (see docs/precision.md).</summary>
    Bf16,

    /// <summary>bf16 on a CPU with AVX-512 BF16 or AMX, or on a CUDA device; fp32 elsewhere.</summary>
    Auto,
}
