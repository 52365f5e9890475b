namespace PeaKd.Generators.Model;

/// <summary>How one effective layer runs: its owned layer, and whether Query and Key are exchanged.</summary>
internal readonly record struct LayerUseSpec(int Owner, bool ShuffleQueryKey);

/// <summary>A type that encloses a nested student, emitted as a partial declaration around it.</summary>
internal readonly record struct ContainingTypeSpec(string Keyword, string Name);

/// <summary>Everything the emitter needs for one student: plain values only (no symbols or syntax).</summary>
internal sealed record StudentSpec(
    string? Namespace,
    EquatableArray<ContainingTypeSpec> ContainingTypes,
    string ClassName,
    string FullyQualifiedName,
    bool VisibleToCatalog,
    LocationInfo? Location,
    int OwnedLayers,
    EquatableArray<LayerUseSpec> Layers,
    EquatableArray<int>? PatientTeacherLayers,
    EquatableArray<int>? PatientStudentLayers,
    int? Hidden,
    int? Heads,
    int? Intermediate)
{
    public string HintName => (Namespace is null ? "" : Namespace + ".")
        + string.Concat(System.Linq.Enumerable.Select(ContainingTypes, t => t.Name + ".")) + ClassName + ".g.cs";
}

/// <summary>The outcome of parsing one [Student] class: a spec when it is valid, and its diagnostics.</summary>
internal sealed record StudentParseResult(StudentSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);
