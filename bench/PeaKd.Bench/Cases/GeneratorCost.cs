using System.Collections.Immutable;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using PeaKd.Generators;

namespace PeaKd.Bench.Cases;

/// <summary>
/// The student generator over many declarations, driven as the compiler drives it: a cold first run, warm full
/// runs, and runs after an edit that touches no student (which must leave every output cached).
/// </summary>
internal static class GeneratorCost
{
    public static void Run(int students, int repetitions, Measurement measurement)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        SyntaxTree[] trees = Enumerable.Range(0, students)
            .Select(i => CSharpSyntaxTree.ParseText(Declaration(i), parse, path: $"Student{i}.cs"))
            .Append(CSharpSyntaxTree.ParseText("namespace Bench; internal static class Unrelated { public static int Value => 0; }", parse, path: "Unrelated.cs"))
            .ToArray();
        // A new compilation each time: semantic caches live in a compilation, and a build starts without them.
        CSharpCompilation NewCompilation() => CSharpCompilation.Create("GeneratorBench", trees, References(),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

        var clock = Stopwatch.StartNew();
        GeneratorDriver driver = NewDriver(parse).RunGenerators(NewCompilation());
        measurement["cold_ms"] = clock.Elapsed.TotalMilliseconds;
        GeneratorRunResult first = driver.GetRunResult().Results.Single();
        measurement["generated_files"] = first.GeneratedSources.Length;
        measurement["diagnostics"] = first.Diagnostics.Length;

        var full = new JsonArray();
        var incremental = new JsonArray();
        int cached = 0, outputs = 0;
        for (int r = 0; r < repetitions; r++)
        {
            CSharpCompilation compilation = NewCompilation();
            clock.Restart();
            GeneratorDriver warm = NewDriver(parse).RunGenerators(compilation);
            full.Add(clock.Elapsed.TotalMilliseconds);

            // An edit that touches no student: only the unrelated file changes, as when typing elsewhere in a project.
            CSharpCompilation edited = compilation.ReplaceSyntaxTree(trees[^1],
                CSharpSyntaxTree.ParseText($"namespace Bench; internal static class Unrelated {{ public static int Value => {r + 1}; }}", parse, path: "Unrelated.cs"));
            clock.Restart();
            warm = warm.RunGenerators(edited);
            incremental.Add(clock.Elapsed.TotalMilliseconds);
            var reasons = warm.GetRunResult().Results.Single().TrackedOutputSteps
                .SelectMany(step => step.Value).SelectMany(run => run.Outputs).Select(output => output.Reason).ToList();
            outputs = reasons.Count;
            cached = reasons.Count(reason => reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged);
        }
        measurement["students"] = students;
        measurement["full_run_ms"] = full;
        measurement["unrelated_edit_ms"] = incremental;
        measurement["outputs_after_unrelated_edit"] = outputs;
        measurement["outputs_cached"] = cached;
    }

    /// <summary>A mix of the DSL's forms: plain, [Sps], [Sps(Of)] and written-out [SharedLayer] students.</summary>
    private static string Declaration(int i) => (i % 4) switch
    {
        0 => $"namespace Bench; [PeaKd.Student({1 + i % 6})] public partial class Student{i};",
        1 => $"namespace Bench; [PeaKd.Student({1 + i % 6}), PeaKd.Sps(Shuffle = PeaKd.Shuffle.QueryKey)] public partial class Student{i};",
        2 => $"namespace Bench; [PeaKd.Student(6), PeaKd.Sps(Of = new[] {{ 3, 4, 5 }})] public partial class Student{i};",
        _ => $"namespace Bench; [PeaKd.Student(2), PeaKd.SharedLayer(2, From = 0, Shuffle = PeaKd.Shuffle.QueryKey), PeaKd.SharedLayer(3, From = 1)] public partial class Student{i};",
    };

    private static GeneratorDriver NewDriver(CSharpParseOptions parse) =>
        CSharpGeneratorDriver.Create([new StudentGenerator().AsSourceGenerator()], parseOptions: parse,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    private static ImmutableArray<MetadataReference> References()
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator).ToList();
        paths.Add(typeof(PeaKd.Students.StudentModel).Assembly.Location);
        paths.Add(typeof(TorchSharp.torch).Assembly.Location);
        return paths.Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
    }
}
