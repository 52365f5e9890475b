namespace PeaKd.Generators.Model;

/// <summary>How one effective layer runs: its owned layer, and the name of the PeaKd.Shuffle member it runs with.</summary>
internal readonly record struct LayerUseSpec(int Owner, string Shuffle);

/// <summary>A type that encloses a nested student, emitted as a partial declaration around it.</summary>
internal readonly record struct ContainingTypeSpec(string Keyword, string Name);

/// <summary>Everything the emitter needs for one student: plain values only (no symbols, syntax or locations, so an
/// edit that only moves the class leaves the spec equal and its generated source cached).</summary>
internal sealed record StudentSpec(
    string? Namespace,
    EquatableArray<ContainingTypeSpec> ContainingTypes,
    string ClassName,
    string FullyQualifiedName,
    bool VisibleToCatalog,
    int OwnedLayers,
    EquatableArray<LayerUseSpec> Layers,
    EquatableArray<int>? PatientTeacherLayers,
    EquatableArray<int>? PatientStudentLayers,
    int? Hidden,
    int? Heads,
    int? Intermediate)
{
    public CatalogEntrySpec CatalogEntry => new(Namespace, ClassName, FullyQualifiedName, VisibleToCatalog);

    public string HintName => (Namespace is null ? "" : Namespace + ".")
        + string.Concat(System.Linq.Enumerable.Select(ContainingTypes, t => t.Name + ".")) + ClassName + ".g.cs";
}

