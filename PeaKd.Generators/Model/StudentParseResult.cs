namespace PeaKd.Generators.Model;

/// <summary>
/// The outcome of parsing one [Student] class: a spec when it is valid, its own diagnostics, and where its class
/// name is written, for the diagnostic about a name two students share (PEAKD009), which needs every student.
/// The location stays here, outside the spec, so the spec compares equal when only the class moved.
/// </summary>
internal sealed record StudentParseResult(StudentSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics, LocationInfo? NameLocation);
