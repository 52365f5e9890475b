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
        SyntaxTree other = compilation.SyntaxTrees.Last();
        var edited = compilation.ReplaceSyntaxTree(other,
            CSharpSyntaxTree.ParseText("namespace Tests; public class Other { public int Added; }", (CSharpParseOptions)other.Options, other.FilePath));
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.Equal(3, result.GeneratedSources.Length);
        var outputs = result.TrackedOutputSteps.SelectMany(step => step.Value).SelectMany(run => run.Outputs).ToList();
        Assert.NotEmpty(outputs);
        Assert.All(outputs, output => Assert.Equal(IncrementalStepRunReason.Cached, output.Reason));
        var parses = result.TrackedSteps[TrackingNames.Parse].SelectMany(run => run.Outputs).ToList();
        Assert.Equal(2, parses.Count);
        Assert.All(parses, output => Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"parse step was {output.Reason}"));
    }

    [Fact]
    public void Editing_a_student_regenerates_only_that_student()
    {
        var compilation = GeneratorHarness.Compilation(
            "using PeaKd; namespace Tests; [Student(3), Sps] public partial class PeaBert3;",
            "using PeaKd; namespace Tests; [Student(2)] public partial class Bert2;");
        GeneratorDriver driver = GeneratorHarness.Driver().RunGenerators(compilation);
        SyntaxTree bert2 = compilation.SyntaxTrees.Last();
        var edited = compilation.ReplaceSyntaxTree(bert2,
            CSharpSyntaxTree.ParseText("using PeaKd; namespace Tests; [Student(2), Sps] public partial class Bert2;", (CSharpParseOptions)bert2.Options, bert2.FilePath));
        GeneratorRunResult result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        // Bert2's spec changed; PeaBert3's was re-checked and found equal, so its source is not rewritten.
        var reasons = result.TrackedSteps[TrackingNames.Parse].SelectMany(run => run.Outputs).Select(o => o.Reason).ToList();
        Assert.Equal(2, reasons.Count);
        Assert.Single(reasons, reason => reason == IncrementalStepRunReason.Modified);
        Assert.Single(reasons, reason => reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged);
    }

    [Fact]
    public void Specs_hold_no_symbols_syntax_or_compilations()
    {
        var compilation = GeneratorHarness.Compilation(Students, "using PeaKd; namespace Tests; [Student(0)] public partial class Broken;");
        GeneratorRunResult result = GeneratorHarness.Driver().RunGenerators(compilation).GetRunResult().Results.Single();

        var values = result.TrackedSteps[TrackingNames.Parse].Concat(result.TrackedSteps[TrackingNames.Specs])
            .SelectMany(run => run.Outputs).Select(output => output.Value).ToList();
        Assert.NotEmpty(values);
        foreach (object value in values)
        {
            AssertHoldsNoRoslynObjects(value, new HashSet<object>(ReferenceEqualityComparer.Instance), "spec");
        }
    }

    private static readonly Type[] Banned = [typeof(ISymbol), typeof(SyntaxNode), typeof(SemanticModel), typeof(Compilation), typeof(SyntaxTree)];

    private static void AssertHoldsNoRoslynObjects(object? value, HashSet<object> seen, string path)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !seen.Add(value))
        {
            return;
        }
        Type type = value.GetType();
        Assert.False(Banned.Any(banned => banned.IsAssignableFrom(type)), $"{path} holds a {type.Name}");
        if (value is DiagnosticDescriptor)
        {
            return; // immutable descriptor constants, compared by value
        }
        if (value is IEnumerable items)
        {
            int i = 0;
            foreach (object? item in items)
            {
                AssertHoldsNoRoslynObjects(item, seen, $"{path}[{i++}]");
            }
        }
        foreach (FieldInfo field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            AssertHoldsNoRoslynObjects(field.GetValue(value), seen, $"{path}.{field.Name}");
        }
    }
}
