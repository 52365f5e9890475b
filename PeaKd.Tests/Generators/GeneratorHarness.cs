using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using PeaKd.Generators;

namespace PeaKd.Tests.Generators;

/// <summary>Runs the student generator over source text in memory, against the real PeaKd.Runtime.</summary>
internal static class GeneratorHarness
{
    // Diagnose: doc comments are checked as a project with GenerateDocumentationFile checks them (crefs resolve).
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.Diagnose);

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator).ToList();
        paths.Add(typeof(PeaKd.Students.StudentModel).Assembly.Location);
        paths.Add(typeof(TorchSharp.torch).Assembly.Location);
        return paths.Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
    });

    public static CSharpCompilation Compilation(params string[] sources) =>
        CSharpCompilation.Create("StudentsUnderTest",
            sources.Select((source, i) => CSharpSyntaxTree.ParseText(source, ParseOptions, path: $"Student{i}.cs")),
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable)
                // The references are every assembly of the test run, peakd.dll too, whose sample students some tests
                // compile again from source: that is CS0436 (source wins), expected here.
                .WithSpecificDiagnosticOptions([new("CS0436", ReportDiagnostic.Suppress)]));

    /// <param name="rootNamespace">The project's RootNamespace MSBuild property, as the SDK passes it; null for none.</param>
    public static GeneratorDriver Driver(string? rootNamespace = null) =>
        CSharpGeneratorDriver.Create(
            [new StudentGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            optionsProvider: new BuildProperties(rootNamespace is null ? [] : new() { ["build_property.RootNamespace"] = rootNamespace }),
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator; returns its result and the problems of the compilation it completes: every
    /// error, and every warning in a generated file (the test sources themselves may lack doc comments).</summary>
    public static (GeneratorRunResult Result, ImmutableArray<Diagnostic> CompilationDiagnostics) Run(params string[] sources) => RunIn(null, sources);

    public static (GeneratorRunResult Result, ImmutableArray<Diagnostic> CompilationDiagnostics) RunIn(string? rootNamespace, params string[] sources)
    {
        CSharpCompilation compilation = Compilation(sources);
        GeneratorDriver driver = Driver(rootNamespace).RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        var generated = result.GeneratedSources.Select(s => s.SyntaxTree).ToHashSet();
        return (result, output.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error
                || (d.Severity == DiagnosticSeverity.Warning && d.Location.SourceTree is { } tree && generated.Contains(tree)))
            .ToImmutableArray());
    }
}

/// <summary>Build properties as the SDK hands them to generators (build_property.*).</summary>
internal sealed class BuildProperties(Dictionary<string, string> values) : Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptionsProvider
{
    private readonly Options _options = new(values);

    public override Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions GlobalOptions => _options;
    public override Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions GetOptions(SyntaxTree tree) => _options;
    public override Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions GetOptions(AdditionalText textFile) => _options;

    private sealed class Options(Dictionary<string, string> values) : Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
    }
}
