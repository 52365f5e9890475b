namespace PeaKd;

/// <summary>
/// The teacher layers (0-based layer outputs) matched by the patient loss: the i-th entry is matched
/// by effective layer i, or by effective layer <see cref="At"/>[i] when <see cref="At"/> is given.
/// The last effective layer is never listed: the logit term covers it.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class PatientMapAttribute(params int[] teacherLayers) : Attribute
{
    /// <summary>The teacher layers, in the order of the effective layers that match them.</summary>
    public int[] TeacherLayers { get; } = teacherLayers;

    /// <summary>The effective layers (0-based, increasing) matched with <see cref="TeacherLayers"/>, one each.</summary>
    public int[]? At { get; set; }
}
