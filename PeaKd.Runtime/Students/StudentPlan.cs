namespace PeaKd.Students;

/// <summary>How one effective layer runs: the owned layer whose parameters it uses, and their roles.</summary>
public readonly record struct LayerUse(int Owner, Shuffle Shuffle)
{
    public override string ToString() => Shuffle == Shuffle.QueryKey ? $"{Owner}'" : $"{Owner}";
}

/// <summary>
/// A student's architecture as declared with the DSL and checked by the generator: which owned layer
/// each effective layer uses, the patient-loss matching and any pinned sizes.
/// </summary>
public sealed class StudentPlan
{
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

    public string Name { get; }

    /// <summary>Encoder layers that own parameters.</summary>
    public int OwnedLayers { get; }

    /// <summary>For each effective layer, in forward order: its owner and shuffle.</summary>
    public IReadOnlyList<LayerUse> Layers { get; }

    public int EffectiveDepth => Layers.Count;

    /// <summary>The declared [PatientMap] teacher layers, or null when the runtime should use the paper presets.</summary>
    public IReadOnlyList<int>? PatientTeacherLayers { get; }

    /// <summary>The effective layers matched with <see cref="PatientTeacherLayers"/>, or null.</summary>
    public IReadOnlyList<int>? PatientStudentLayers { get; }

    public int? Hidden { get; }
    public int? Heads { get; }
    public int? Intermediate { get; }

    /// <summary>Effective layers that reuse another layer's parameters.</summary>
    public IEnumerable<int> SharedLayers => Enumerable.Range(0, Layers.Count).Where(i => i >= OwnedLayers);

    /// <summary>Effective layers that run with Query and Key exchanged.</summary>
    public IEnumerable<int> ShuffledLayers => Enumerable.Range(0, Layers.Count).Where(i => Layers[i].Shuffle == Shuffle.QueryKey);

    /// <summary>"0 1 2 0' 1' 2'": the owner of each effective layer, primed where Query and Key are exchanged.</summary>
    public override string ToString() => string.Join(" ", Layers);
}
