using System.Reflection;
using Microsoft.CodeAnalysis;
using PeaKd.Generators;
using PeaKd.Tests.Readme;
using Xunit;

namespace PeaKd.Tests.Generators;

/// <summary>One test per diagnostic: its ID, the value its message names, and the source text it points at.</summary>
public class DiagnosticTests
{
    private const string Prefix = "using PeaKd;\nnamespace Tests;\n";

    /// <summary>Runs the generator on one declaration; asserts a single error with <paramref name="id"/> and no output.</summary>
    private static (Diagnostic Diagnostic, string At) Single(string body, string id)
    {
        string source = Prefix + body;
        var (result, _) = GeneratorHarness.Run(source);
        Diagnostic diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.EndsWith("docs/dsl.md#" + id.ToLowerInvariant(), diagnostic.Descriptor.HelpLinkUri);
        Assert.Empty(result.GeneratedSources);
        return (diagnostic, At(diagnostic, source));
    }

    /// <summary>The source text a diagnostic points at (generator diagnostics carry a path and a span, not a tree).</summary>
    private static string At(Diagnostic diagnostic, params string[] sources)
    {
        string path = diagnostic.Location.GetLineSpan().Path; // the harness names files Student{i}.cs
        string source = sources[int.Parse(path["Student".Length..^".cs".Length])];
        return source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length);
    }

    [Theory]
    [InlineData("[Student(2)] public class Plain;", "Plain", "must be declared partial")]
    [InlineData("[Student(2)] public partial class Generic<T>;", "Generic", "must not be generic")]
    [InlineData("[Student(2)] public static partial class Static;", "Static", "must not be static")]
    [InlineData("[Student(2)] public abstract partial class Abstract;", "Abstract", "must not be abstract")]
    [InlineData("public class Base; [Student(2)] public partial class Derived : Base;", "Derived", "must not declare a base type ('Base'): the generator derives it from StudentModel")]
    [InlineData("public partial class Outer<T> { [Student(2)] public partial class Nested; }", "Nested", "must not be nested in a generic type ('Outer')")]
    [InlineData("public class Closed { [Student(2)] public partial class Nested; }", "Nested", "is nested in 'Closed', which must be declared partial too")]
    public void PEAKD001_class_shape(string body, string name, string problem)
    {
        var (diagnostic, at) = Single(body, "PEAKD001");
        Assert.Equal($"Student class '{name}' {problem}", diagnostic.GetMessage());
        Assert.Equal(name, at);
    }

    [Theory]
    [InlineData("[Student(0)] public partial class S;", "[Student] layers must be at least 1, got 0", "0")]
    [InlineData("[Student(2, Hidden = -8)] public partial class S;", "[Student] Hidden must be at least 1, got -8", "Hidden = -8")]
    [InlineData("[Student(2, Heads = 0)] public partial class S;", "[Student] Heads must be at least 1, got 0", "Heads = 0")]
    [InlineData("[Student(2, Intermediate = 0)] public partial class S;", "[Student] Intermediate must be at least 1, got 0", "Intermediate = 0")]
    public void PEAKD002_sizes(string body, string message, string location)
    {
        var (diagnostic, at) = Single(body, "PEAKD002");
        Assert.Equal(message, diagnostic.GetMessage());
        Assert.Equal(location, at);
    }

    [Fact]
    public void PEAKD003_hidden_not_divisible_by_heads()
    {
        var (diagnostic, at) = Single("[Student(2, Hidden = 100, Heads = 12)] public partial class S;", "PEAKD003");
        Assert.Equal("[Student] Hidden = 100 is not divisible by Heads = 12", diagnostic.GetMessage());
        Assert.Equal("Hidden = 100", at);
    }

    [Theory]
    [InlineData("[Student(2), SharedLayer(2, From = 5)] public partial class S;", "[SharedLayer(2)] From = 5 is not an owned layer: the owned layers are 0..1", "From = 5")]
    [InlineData("[Student(2), SharedLayer(2, From = -1)] public partial class S;", "[SharedLayer(2)] From = -1 is not an owned layer: the owned layers are 0..1", "From = -1")]
    [InlineData("[Student(2), SharedLayer(2, From = 0), SharedLayer(3, From = 2)] public partial class S;", "[SharedLayer(3)] From = 2 is not an owned layer: it is itself a shared layer; reuse one of the owned layers 0..1", "From = 2")]
    public void PEAKD004_from_not_owned(string body, string message, string location)
    {
        var (diagnostic, at) = Single(body, "PEAKD004");
        Assert.Equal(message, diagnostic.GetMessage());
        Assert.Equal(location, at);
    }

    [Theory]
    [InlineData("[Student(2), SharedLayer(3, From = 0)] public partial class S;",
        "[SharedLayer(3)] declares effective layer 3 but effective layer 2 is not declared; effective layers must be contiguous from 0", "3")]
    [InlineData("[Student(2), SharedLayer(1, From = 0)] public partial class S;",
        "[SharedLayer(1)] declares effective layer 1, which is already an owned layer ([Student(2)] owns 0..1)", "1")]
    [InlineData("[Student(2), SharedLayer(2, From = 0), SharedLayer(2, From = 1)] public partial class S;",
        "[SharedLayer(2)] declares effective layer 2, which is already declared by [SharedLayer(2)]", "2")]
    [InlineData("[Student(2), SharedLayer(2, From = 0), Sps] public partial class S;",
        "[Sps] declares effective layer 2, which is already declared by [SharedLayer(2)]", "Sps")]
    [InlineData("[Student(2), SharedLayer(-1, From = 0)] public partial class S;",
        "[SharedLayer(-1)] declares effective layer -1; effective layers are numbered from 0", "-1")]
    public void PEAKD005_layers_not_contiguous_or_declared_twice(string body, string message, string location)
    {
        var (diagnostic, at) = Single(body, "PEAKD005");
        Assert.Equal(message, diagnostic.GetMessage());
        Assert.Equal(location, at);
    }

    [Theory]
    [InlineData("[Student(2), PatientMap(1, 2)] public partial class S;",
        "[PatientMap] has 2 entries but the student has 2 effective layers, so at most 1 can be matched (the last layer is covered by the logit loss)", "2")]
    [InlineData("[Student(2), Sps, PatientMap(4, -3)] public partial class S;", "[PatientMap] entry 1 is -3; teacher layers are numbered from 0", "-3")]
    [InlineData("[Student(3), PatientMap(new[] { 3, 7, 9 })] public partial class S;",
        "[PatientMap] has 3 entries but the student has 3 effective layers, so at most 2 can be matched (the last layer is covered by the logit loss)", "9")]
    [InlineData("[Student(3), Sps, PatientMap(3, 7, At = new[] { 4, 1 })] public partial class S;", "[PatientMap] At must be increasing, but 1 follows 4", "1")]
    [InlineData("[Student(3), Sps, PatientMap(3, 7, At = new[] { 1, 5 })] public partial class S;",
        "[PatientMap] At lists effective layer 5; matchable layers are 0..4 (the last layer is covered by the logit loss)", "5")]
    [InlineData("[Student(3), Sps, PatientMap(3, 7, At = new[] { 1 })] public partial class S;",
        "[PatientMap] At has 1 entries but 2 teacher layers are listed; give one effective layer per teacher layer", "At = new[] { 1 }")]
    public void PEAKD006_patient_map(string body, string message, string location)
    {
        var (diagnostic, at) = Single(body, "PEAKD006");
        Assert.Equal(message, diagnostic.GetMessage());
        Assert.Equal(location, at);
    }

    [Fact]
    public void PEAKD007_shared_layer_without_from()
    {
        var (diagnostic, at) = Single("[Student(2), SharedLayer(2, Shuffle = Shuffle.QueryKey)] public partial class S;", "PEAKD007");
        Assert.Equal("[SharedLayer(2)] needs From = the owned layer whose parameters it reuses", diagnostic.GetMessage());
        Assert.Equal("SharedLayer(2, Shuffle = Shuffle.QueryKey)", at);
    }

    [Theory]
    [InlineData("[Student(3), Sps(Of = new[] { 1, 3 })] public partial class S;", "[Sps] Of lists 3, which is not an owned layer (0..2)", "3")]
    [InlineData("[Student(3), Sps(Of = new[] { 1, 1 })] public partial class S;", "[Sps] Of lists layer 1 twice", "1")]
    [InlineData("[Student(3), Sps(Of = new int[0])] public partial class S;", "[Sps] Of is empty; list the owned layers to reuse, or leave Of out to reuse all", "Of = new int[0]")]
    public void PEAKD008_sps_layers(string body, string message, string location)
    {
        var (diagnostic, at) = Single(body, "PEAKD008");
        Assert.Equal(message, diagnostic.GetMessage());
        Assert.Equal(location, at);
    }

    [Fact]
    public void PEAKD009_two_students_with_one_name()
    {
        string[] sources =
        [
            "using PeaKd; namespace A { [Student(1)] public partial class Tiny; }",
            "using PeaKd; namespace B { [Student(2)] public partial class Tiny; }",
        ];
        var (result, _) = GeneratorHarness.Run(sources);
        Diagnostic diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("PEAKD009", diagnostic.Id);
        Assert.Equal("Student name 'Tiny' is also used by 'A.Tiny'; the catalog finds students by class name, so rename one", diagnostic.GetMessage());
        Assert.Equal("Tiny", At(diagnostic, sources));
        Assert.Equal("Student1.cs", diagnostic.Location.GetLineSpan().Path);

        // Both students are generated; the catalog lists the first.
        Assert.Equal(["A.Tiny.g.cs", "B.Tiny.g.cs", "StudentCatalog.g.cs"], result.GeneratedSources.Select(s => s.HintName).Order());
        string catalog = result.GeneratedSources.Single(s => s.HintName == "StudentCatalog.g.cs").SourceText.ToString();
        Assert.Contains("global::A.Tiny.Descriptor", catalog);
        Assert.DoesNotContain("global::B.Tiny", catalog);
    }

    [Fact]
    public void PEAKD009_keeps_the_first_by_fully_qualified_name_and_reports_every_later_one()
    {
        string[] sources =
        [
            "using PeaKd; namespace C { [Student(1)] public partial class Tiny; }",
            "using PeaKd; namespace A { public partial class Outer { [Student(1)] public partial class Tiny; } }",
            "using PeaKd; namespace B { [Student(1)] internal partial class Tiny; }",
            "using PeaKd; namespace D { public partial class Outer { [Student(1)] private partial class Tiny; } }", // not in the catalog
        ];
        var (result, errors) = GeneratorHarness.Run(sources);
        Assert.Empty(errors);
        Assert.Equal(["Student0.cs", "Student2.cs"], result.Diagnostics.Select(d => d.Location.GetLineSpan().Path).Order());
        Assert.All(result.Diagnostics, diagnostic =>
        {
            Assert.Equal("PEAKD009", diagnostic.Id);
            Assert.Contains("is also used by 'A.Outer.Tiny'", diagnostic.GetMessage());
            Assert.Equal("Tiny", At(diagnostic, sources));
        });
    }

    [Theory]
    [InlineData("[Student(2), SharedLayer(2, From = 0, Shuffle = (Shuffle)7)] public partial class S;",
        "[SharedLayer(2)] Shuffle = 7 is not a member of PeaKd.Shuffle; use one of Shuffle.None, Shuffle.QueryKey", "Shuffle = (Shuffle)7")]
    [InlineData("[Student(2), Sps(Shuffle = (Shuffle)(-1))] public partial class S;",
        "[Sps] Shuffle = -1 is not a member of PeaKd.Shuffle; use one of Shuffle.None, Shuffle.QueryKey", "Shuffle = (Shuffle)(-1)")]
    public void PEAKD010_shuffle_not_a_member(string body, string message, string location)
    {
        var (diagnostic, at) = Single(body, "PEAKD010");
        Assert.Equal(message, diagnostic.GetMessage());
        Assert.Equal(location, at);
    }

    [Theory]
    [InlineData("[Student(2)] public partial class S { public static int Descriptor => 1; }",
        "Student 'S' declares 'Descriptor', a name the generator writes (the student's static descriptor, what PipelineOptions.Student takes); rename the member", "Descriptor")]
    [InlineData("[Student(2)] public partial class S { private int DeclaredPlan; }",
        "Student 'S' declares 'DeclaredPlan', a name the generator writes (the student's static layer plan); rename the member", "DeclaredPlan")]
    [InlineData("[Student(2)] public partial class S { public void Layer1() { } }",
        "Student 'S' declares 'Layer1', a name the generator writes (the typed property of owned layer 1); rename the member", "Layer1")]
    public void PEAKD011_a_member_named_as_a_generated_one(string body, string message, string location)
    {
        var (diagnostic, at) = Single(body, "PEAKD011");
        Assert.Equal(message, diagnostic.GetMessage());
        Assert.Equal(location, at);
    }

    [Theory]
    [InlineData("[Student(2)] public partial class S { public int Layer2 => 2; public int Layer01 => 1; public int Layers => 0; }")]
    [InlineData("[Student(1)] public partial class S { public override string ToString() => \"S\"; }")]
    public void Members_the_generator_does_not_write_are_the_users(string body)
    {
        var (result, _) = GeneratorHarness.Run(Prefix + body);
        Assert.Empty(result.Diagnostics);
        Assert.NotEmpty(result.GeneratedSources);
    }

    private static (string HelpLinkBase, List<DiagnosticDescriptor> All) Descriptors()
    {
        Type descriptors = typeof(StudentGenerator).Assembly.GetType("PeaKd.Generators.Diagnostics.DiagnosticDescriptors", throwOnError: true)!;
        string helpLinkBase = (string)descriptors.GetField("HelpLinkBase")!.GetValue(null)!;
        var all = descriptors.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(field => field.FieldType == typeof(DiagnosticDescriptor))
            .Select(field => (DiagnosticDescriptor)field.GetValue(null)!)
            .ToList();
        return (helpLinkBase, all);
    }

    [Fact]
    public void Every_descriptor_links_to_its_section_of_the_DSL_guide()
    {
        var (helpLinkBase, all) = Descriptors();
        Assert.Equal(Docs.PublishedRoot + Docs.DslGuide, helpLinkBase);
        Assert.Equal(11, all.Count);
        Assert.Equal(all.Count, all.Select(d => d.Id).Distinct().Count());
        Assert.All(all, descriptor => Assert.Equal($"{helpLinkBase}#{descriptor.Id.ToLowerInvariant()}", descriptor.HelpLinkUri));
    }

    [Fact]
    public void Every_help_link_lands_on_the_row_that_documents_its_diagnostic()
    {
        var (helpLinkBase, all) = Descriptors();
        string guide = Docs.Read(helpLinkBase[Docs.PublishedRoot.Length..]);
        foreach (DiagnosticDescriptor descriptor in all)
        {
            string anchor = descriptor.HelpLinkUri[(helpLinkBase.Length + 1)..];
            Assert.Contains(anchor, Docs.Anchors(Docs.DslGuide));
            // the anchor sits on the table row that names the ID and says when it is reported
            string row = Assert.Single(guide.Split('\n'), line => line.Contains($"<a id=\"{anchor}\"></a>", StringComparison.Ordinal));
            Assert.Matches($@"^\| <a id=""{anchor}""></a>{descriptor.Id} \| \S.+ \|$", row);
        }
    }

    [Theory]
    [InlineData("[Student(1)] public partial class S;")]
    [InlineData("[Student(3), Sps] public partial class S;")]
    [InlineData("[Student(6), Sps(Of = new[] { 3, 4, 5 }), PatientMap(3, 7, At = new[] { 2, 5 })] public partial class S;")]
    [InlineData("[Student(2, Hidden = 384, Heads = 12, Intermediate = 1536), SharedLayer(2, From = 1), PatientMap(2, 5)] public partial class S;")]
    [InlineData("[Student(1), SharedLayer(1, From = 0), SharedLayer(2, From = 0, Shuffle = Shuffle.QueryKey)] internal sealed partial class S;")]
    [InlineData("[Student(2), Sps(Shuffle = 0), SharedLayer(4, From = 1, Shuffle = Shuffle.None)] public partial class S;")]
    public void Valid_declarations_report_nothing_and_compile(string body)
    {
        var (result, errors) = GeneratorHarness.Run(Prefix + body);
        Assert.Empty(result.Diagnostics);
        Assert.Empty(errors);
        Assert.Equal(2, result.GeneratedSources.Length); // the student and the catalog
    }
}
