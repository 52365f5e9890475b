using System.Collections;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using PeaKd.Generators;
using Xunit;

namespace PeaKd.Tests.Generators;

public class IncrementalTests
{
    private const string Students = """
        using PeaKd;
        namespace Tests;
        [Student(3), Sps, PatientMap(1, 3, 5, 7, 9)] public partial class PeaBert3;
        [Student(2)] public partial class Bert2;
        """;

    [Fact]
    public void An_unrelated_edit_leaves_every_output_cached()
    {
        var compilation = GeneratorHarness.Compilation(Students, "namespace Tests; public class Other { }");
        GeneratorDriver driver = GeneratorHarness.Driver().RunGenerators(compilation);

        // Edit the unrelated file: a new member in another class.
        GeneratorRunResult result = driver.RunGenerators(Replace(compilation, 1, "namespace Tests; public class Other { public int Added; }"))
            .GetRunResult().Results.Single();

        Assert.Equal(3, result.GeneratedSources.Length);
        AssertEveryOutputCached(result, students: 2);
        var parses = Outputs(result, TrackingNames.Parse);
        Assert.Equal(2, parses.Count);
        Assert.All(parses, output => Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"parse step was {output.Reason}"));
    }

    /// <summary>The students' file before and after an edit that only moves them down: their specs are equal, and so is
    /// every value that reaches an output, although the parse step ran again (its results hold the new locations).</summary>
    [Theory]
    [InlineData("", "\n")]
    [InlineData("", "// a comment above the students\n")]
    [InlineData("", "public class Other { }\n")]
    [InlineData("public class Other { }\n", "public class Other { public int Added; }\n")]
    [InlineData("public class Other { }\n", "public class Other\n{\n    public int Added;\n}\n")]
    public void Moving_students_within_their_file_leaves_every_output_cached(string before, string after)
    {
        string Source(string above) => "using PeaKd;\nnamespace Tests;\n" + above + StudentLines;
        var compilation = GeneratorHarness.Compilation(Source(before), "using PeaKd; namespace Tests; [Student(1)] public partial class Elsewhere;");
        GeneratorDriver driver = GeneratorHarness.Driver().RunGenerators(compilation);

        GeneratorRunResult result = driver.RunGenerators(Replace(compilation, 0, Source(after))).GetRunResult().Results.Single();

        Assert.Equal(4, result.GeneratedSources.Length);
        AssertEveryOutputCached(result, students: 3);
        var parses = Outputs(result, TrackingNames.Parse);
        Assert.Equal(3, parses.Count);
        Assert.Equal(2, parses.Count(output => output.Reason == IncrementalStepRunReason.Modified)); // the two that moved
        Assert.All(Outputs(result, TrackingNames.Specs), output =>
            Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"spec step was {output.Reason}"));
    }

    [Fact]
    public void A_new_using_above_the_students_leaves_every_output_cached()
    {
        string Source(string usings) => usings + "namespace Tests;\n" + StudentLines;
        var compilation = GeneratorHarness.Compilation(Source("using PeaKd;\n"));
        GeneratorDriver driver = GeneratorHarness.Driver().RunGenerators(compilation);

        GeneratorRunResult result = driver.RunGenerators(Replace(compilation, 0, Source("using System;\nusing PeaKd;\n"))).GetRunResult().Results.Single();

        Assert.Equal(3, result.GeneratedSources.Length);
        AssertEveryOutputCached(result, students: 2);
        Assert.All(Outputs(result, TrackingNames.Parse), output => Assert.Equal(IncrementalStepRunReason.Modified, output.Reason));
    }

    [Fact]
    public void Editing_a_student_regenerates_only_that_student()
    {
        var compilation = GeneratorHarness.Compilation(
            "using PeaKd; namespace Tests; [Student(3), Sps] public partial class PeaBert3;",
            "using PeaKd; namespace Tests; [Student(2)] public partial class Bert2;");
        GeneratorDriver driver = GeneratorHarness.Driver().RunGenerators(compilation);
        GeneratorRunResult result = driver.RunGenerators(Replace(compilation, 1, "using PeaKd; namespace Tests; [Student(2), Sps] public partial class Bert2;"))
            .GetRunResult().Results.Single();

        // Bert2's spec changed; PeaBert3's was re-checked and found equal, so its source is not rewritten.
        var reasons = Outputs(result, TrackingNames.Parse).Select(o => o.Reason).ToList();
        Assert.Equal(2, reasons.Count);
        Assert.Single(reasons, reason => reason == IncrementalStepRunReason.Modified);
        Assert.Single(reasons, reason => reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged);

        // Outputs: Bert2's source is written again; PeaBert3's, the catalog (same names) and every diagnostics output are cached.
        var outputs = result.TrackedOutputSteps.SelectMany(step => step.Value).SelectMany(run => run.Outputs).ToList();
        Assert.Single(outputs, output => output.Reason != IncrementalStepRunReason.Cached);
        var bert2 = Assert.Single(result.GeneratedSources, s => s.HintName == "Tests.Bert2.g.cs");
        Assert.Contains("Shuffle.QueryKey", bert2.SourceText.ToString());
    }

    [Fact]
    public void A_duplicate_name_error_follows_its_student_and_survives_cached_runs()
    {
        Compilation compilation = GeneratorHarness.Compilation(
            "using PeaKd; namespace A { [Student(1)] public partial class Tiny; }",
            "using PeaKd; namespace B { [Student(2)] public partial class Tiny; }",
            "namespace Tests; public class Other { }");
        GeneratorDriver driver = GeneratorHarness.Driver().RunGenerators(compilation);
        Assert.Equal(0, Assert.Single(driver.GetRunResult().Diagnostics).Location.GetLineSpan().StartLinePosition.Line);

        // An unrelated edit: every output is cached, and the cached output still reports the error.
        compilation = Replace(compilation, 2, "namespace Tests; public class Other { public int Added; }");
        driver = driver.RunGenerators(compilation);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        AssertEveryOutputCached(result, students: 2);
        Diagnostic cached = Assert.Single(result.Diagnostics);
        Assert.Equal("PEAKD009", cached.Id);
        Assert.Equal(0, cached.Location.GetLineSpan().StartLinePosition.Line);

        // The duplicate moves down two lines: the error moves with it.
        compilation = Replace(compilation, 1, "using PeaKd;\n\nnamespace B { [Student(2)] public partial class Tiny; }");
        result = driver.RunGenerators(compilation).GetRunResult().Results.Single();
        Diagnostic moved = Assert.Single(result.Diagnostics);
        Assert.Equal("PEAKD009", moved.Id);
        Assert.Equal(2, moved.Location.GetLineSpan().StartLinePosition.Line);
        Assert.Equal("Student1.cs", moved.Location.GetLineSpan().Path);
    }

    [Fact]
    public void Specs_hold_no_symbols_syntax_compilations_or_locations()
    {
        var compilation = GeneratorHarness.Compilation(Students, "using PeaKd; namespace Tests; [Student(0)] public partial class Broken;");
        GeneratorRunResult result = GeneratorHarness.Driver().RunGenerators(compilation).GetRunResult().Results.Single();

        // Parse results may hold locations as plain values (LocationInfo, for diagnostics), never Roslyn objects.
        var parses = Outputs(result, TrackingNames.Parse).Select(output => output.Value).ToList();
        Assert.Equal(3, parses.Count);
        foreach (object value in parses)
        {
            AssertHolds(value, Banned, "parse result");
        }

        // What feeds the sources and the catalog holds no location at all, so moving a student changes none of it.
        Type locationInfo = typeof(StudentGenerator).Assembly.GetType("PeaKd.Generators.Model.LocationInfo", throwOnError: true)!;
        Type[] bannedInSpecs = [.. Banned, locationInfo];
        var specs = Outputs(result, TrackingNames.Specs).Concat(Outputs(result, TrackingNames.CatalogEntries))
            .Concat(Outputs(result, TrackingNames.DuplicateNames)).Select(output => output.Value).ToList();
        Assert.Equal(5, specs.Count); // 3 specs (one null), the catalog entries, the duplicate names
        foreach (object value in specs)
        {
            AssertHolds(value, bannedInSpecs, "spec");
        }
    }

    private const string StudentLines = """
        [Student(3), Sps, PatientMap(1, 3, 5, 7, 9)] public partial class PeaBert3;
        [Student(2)] public partial class Bert2;

        """;

    private static Compilation Replace(Compilation compilation, int index, string source)
    {
        SyntaxTree tree = compilation.SyntaxTrees.ElementAt(index);
        return compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(source, (CSharpParseOptions)tree.Options, tree.FilePath));
    }

    private static List<(object Value, IncrementalStepRunReason Reason)> Outputs(GeneratorRunResult result, string step) =>
        result.TrackedSteps[step].SelectMany(run => run.Outputs).ToList();

    /// <summary>Every output step (each student's source and diagnostics, and the catalog) found its input equal to the
    /// last run's, so nothing was redone.</summary>
    private static void AssertEveryOutputCached(GeneratorRunResult result, int students)
    {
        var outputs = result.TrackedOutputSteps.SelectMany(step => step.Value).ToList();
        Assert.Equal(students, outputs.Count(run => run.Inputs.Any(input => input.Source.Name == TrackingNames.Specs)));
        Assert.Equal(students, outputs.Count(run => run.Inputs.Any(input => input.Source.Name == TrackingNames.Diagnostics)));
        Assert.Equal(2 * students + 1, outputs.Count);
        foreach (IncrementalGeneratorRunStep run in outputs)
        {
            foreach ((object value, IncrementalStepRunReason reason) in run.Outputs)
            {
                Assert.True(reason == IncrementalStepRunReason.Cached, $"an output was {reason}; its inputs: "
                    + string.Join(", ", run.Inputs.Select(i => $"{i.Source.Name} {i.Source.Outputs[i.OutputIndex].Reason}")));
            }
        }
    }

    private static readonly Type[] Banned = [typeof(ISymbol), typeof(SyntaxNode), typeof(SemanticModel), typeof(Compilation), typeof(SyntaxTree), typeof(Location)];

    /// <summary>Asserts that nothing reachable from <paramref name="value"/> is one of the <paramref name="banned"/> types.</summary>
    private static void AssertHolds(object? value, Type[] banned, string path) =>
        AssertHoldsNone(value, banned, new HashSet<object>(ReferenceEqualityComparer.Instance), path);

    private static void AssertHoldsNone(object? value, Type[] banned, HashSet<object> seen, string path)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !seen.Add(value))
        {
            return;
        }
        Type type = value.GetType();
        Assert.False(banned.Any(b => b.IsAssignableFrom(type)), $"{path} holds a {type.Name}");
        if (value is DiagnosticDescriptor)
        {
            return; // immutable descriptor constants, compared by value
        }
        if (value is IEnumerable items)
        {
            int i = 0;
            foreach (object? item in items)
            {
                AssertHoldsNone(item, banned, seen, $"{path}[{i++}]");
            }
        }
        foreach (FieldInfo field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            AssertHoldsNone(field.GetValue(value), banned, seen, $"{path}.{field.Name}");
        }
    }
}
