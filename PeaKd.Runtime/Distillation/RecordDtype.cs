namespace PeaKd.Distillation;

/// <summary>How the teacher record stores the teacher's [CLS] states (its logits are always fp32).</summary>
public enum RecordDtype
{
    /// <summary>32-bit floats, as the teacher computed them.</summary>
    Fp32,

    /// <summary>bfloat16, rounded once from the fp32 states: half the disk and memory.</summary>
    Bf16,
}
