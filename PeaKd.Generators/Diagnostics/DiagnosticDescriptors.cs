using Microsoft.CodeAnalysis;

namespace PeaKd.Generators.Diagnostics;

/// <summary>Every diagnostic the student generator reports. IDs are stable once shipped
/// (AnalyzerReleases.Shipped.md); each has a row in the DSL guide (docs/dsl.md).</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "PeaKd.Student";

    /// <summary>The DSL guide, whose row for each rule has the anchor #peakd00N.</summary>
    public const string HelpLinkBase = "https://github.com/peakd/peakd/blob/main/docs/dsl.md";

    public static readonly DiagnosticDescriptor InvalidStudentClass = new(
        "PEAKD001", "Student class cannot be generated",
        "Student class '{0}' {1}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        description: "A [Student] class must be a non-generic, non-static, non-abstract partial class, not nested in a generic type, with no base type of its own (the generator makes it derive from StudentModel).",
        helpLinkUri: HelpLinkBase + "#peakd001");

    public static readonly DiagnosticDescriptor SizeOutOfRange = new(
        "PEAKD002", "Student size out of range",
        "[Student] {0} must be at least 1, got {1}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "#peakd002");

    public static readonly DiagnosticDescriptor HiddenNotDivisibleByHeads = new(
        "PEAKD003", "Hidden size not divisible by heads",
        "[Student] Hidden = {0} is not divisible by Heads = {1}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "#peakd003");

    public static readonly DiagnosticDescriptor FromIsNotOwned = new(
        "PEAKD004", "Shared layer does not reuse an owned layer",
        "[SharedLayer({0})] From = {1} is not an owned layer: {2}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "#peakd004");

    public static readonly DiagnosticDescriptor LayerIndexConflict = new(
        "PEAKD005", "Effective layers are not contiguous or are declared twice",
        "{0}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "#peakd005");

    public static readonly DiagnosticDescriptor InvalidPatientMap = new(
        "PEAKD006", "Invalid patient map",
        "[PatientMap] {0}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "#peakd006");

    public static readonly DiagnosticDescriptor SharedLayerWithoutFrom = new(
        "PEAKD007", "Shared layer without From",
        "[SharedLayer({0})] needs From = the owned layer whose parameters it reuses",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "#peakd007");

    public static readonly DiagnosticDescriptor InvalidSpsLayers = new(
        "PEAKD008", "Invalid Sps layer list",
        "[Sps] Of {0}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "#peakd008");

    public static readonly DiagnosticDescriptor DuplicateStudentName = new(
        "PEAKD009", "Two students share a name",
        "Student name '{0}' is also used by '{1}'; the catalog finds students by class name, so rename one",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "#peakd009");

    public static readonly DiagnosticDescriptor UndefinedShuffle = new(
        "PEAKD010", "Shuffle value is not a member of PeaKd.Shuffle",
        "{0} Shuffle = {1} is not a member of PeaKd.Shuffle; use one of {2}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "#peakd010");

    public static readonly DiagnosticDescriptor GeneratedMemberName = new(
        "PEAKD011", "Student member has a name the generator writes",
        "Student '{0}' declares '{1}', a name the generator writes ({2}); rename the member",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "#peakd011");
}
