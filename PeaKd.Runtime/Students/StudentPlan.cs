namespace PeaKd.Students;

/// <summary>How one effective layer runs: the owned layer whose parameters it uses, and their roles.</summary>
public readonly record struct LayerUse(int Owner, Shuffle Shuffle)
{
    /// <summary>The owner, primed when Query and Key are exchanged: "2'".</summary>
    public override string ToString() => Shuffle == Shuffle.QueryKey ? $"{Owner}'" : $"{Owner}";
}

/// <summary>
/// A student's architecture as declared with the DSL and checked by the generator: which owned layer
/// each effective layer uses, the patient-loss matching and any pinned sizes.
/// </summary>
public sealed class StudentPlan
{
    /// <summary>A plan as the generator writes it from a student's attributes.</summary>
    /// <param name="name">The student's class name.</param>
    /// <param name="ownedLayers">Encoder layers that own parameters.</param>
    /// <param name="layers">Each effective layer's owner and shuffle, in forward order.</param>
    /// <param name="patientTeacherLayers">The declared [PatientMap] teacher layers, or null.</param>
    /// <param name="patientStudentLayers">The effective layers matched with them (null: 0, 1, ...).</param>
    /// <param name="hidden">A pinned hidden size, or null.</param>
    /// <param name="heads">A pinned head count, or null.</param>
    /// <param name="intermediate">A pinned feed-forward size, or null.</param>
    public StudentPlan(string name, int ownedLayers, IReadOnlyList<LayerUse> layers,
        IReadOnlyList<int>? patientTeacherLayers = null, IReadOnlyList<int>? patientStudentLayers = null,
        int? hidden = null, int? heads = null, int? intermediate = null)
    {
        Name = name;
        OwnedLayers = ownedLayers;
        Layers = layers;
        PatientTeacherLayers = patientTeacherLayers;
        PatientStudentLayers = patientTeacherLayers is null ? null
            : patientStudentLayers ?? Enumerable.Range(0, patientTeacherLayers.Count).ToArray();
        Hidden = hidden;
        Heads = heads;
        Intermediate = intermediate;
    }

    /// <summary>The student's class name.</summary>
    public string Name { get; }

    /// <summary>Encoder layers that own parameters.</summary>
    public int OwnedLayers { get; }

    /// <summary>For each effective layer, in forward order: its owner and shuffle.</summary>
    public IReadOnlyList<LayerUse> Layers { get; }

    /// <summary>Encoder layers in the forward pass.</summary>
    public int EffectiveDepth => Layers.Count;

    /// <summary>The declared [PatientMap] teacher layers, or null when the runtime should use the paper presets.</summary>
    public IReadOnlyList<int>? PatientTeacherLayers { get; }

    /// <summary>The effective layers matched with <see cref="PatientTeacherLayers"/>, or null.</summary>
    public IReadOnlyList<int>? PatientStudentLayers { get; }

    /// <summary>The pinned hidden size, or null to take the teacher's.</summary>
    public int? Hidden { get; }
    /// <summary>The pinned number of attention heads, or null.</summary>
    public int? Heads { get; }
    /// <summary>The pinned feed-forward size, or null.</summary>
    public int? Intermediate { get; }

    /// <summary>Effective layers that reuse another layer's parameters.</summary>
    public IEnumerable<int> SharedLayers => Enumerable.Range(0, Layers.Count).Where(i => i >= OwnedLayers);

    /// <summary>Effective layers that run with Query and Key exchanged.</summary>
    public IEnumerable<int> ShuffledLayers => Enumerable.Range(0, Layers.Count).Where(i => Layers[i].Shuffle == Shuffle.QueryKey);

    /// <summary>"0 1 2 0' 1' 2'": the owner of each effective layer, primed where Query and Key are exchanged.</summary>
    public override string ToString() => string.Join(" ", Layers);
}
