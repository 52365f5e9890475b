namespace PeaKd.Precision;

/// <summary>How matrix products run. Weights, optimizer state, LayerNorm, softmax inputs and losses stay fp32 either way.</summary>
public enum ComputePrecision
{
    /// <summary>Everything in fp32.</summary>
    Fp32,

    /// <summary>Matrix products (linear layers, attention) in bfloat16 on bf16 copies of the fp32 weights.</summary>
    Bf16,
}
