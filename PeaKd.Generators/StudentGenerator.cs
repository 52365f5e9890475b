using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using PeaKd.Generators.Diagnostics;
using PeaKd.Generators.Emitting;
using PeaKd.Generators.Model;
using PeaKd.Generators.Parsing;

namespace PeaKd.Generators;

/// <summary>
/// Completes every [Student] partial class into a TorchSharp student module with its SPS wiring, and writes a
/// catalog of them. Pipeline: parse (to an equatable spec, diagnostics and the class name's location), then the
/// sources from the specs alone and the diagnostics on their own output.
/// </summary>
/// <remarks>
/// A source output reruns whenever its input changed, so every value that reaches one compares by value and holds
/// no location: an edit that only moves a student (a line inserted above it) reparses it, but leaves every input
/// equal and every output cached. Only a student that has diagnostics has locations in its output's input.
/// </remarks>
[Generator(LanguageNames.CSharp)]
public sealed class StudentGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<StudentParseResult> parsed = context.SyntaxProvider.ForAttributeWithMetadataName(
            StudentParser.StudentAttribute,
            predicate: static (node, _) => node is ClassDeclarationSyntax,
            transform: static (syntaxContext, cancellationToken) => StudentParser.Parse(syntaxContext, cancellationToken))
            .WithTrackingName(TrackingNames.Parse);

        // One source per valid student, from its spec only.
        IncrementalValuesProvider<StudentSpec?> specs = parsed
            .Select(static (result, _) => result.Spec)
            .WithTrackingName(TrackingNames.Specs);
        context.RegisterSourceOutput(specs, static (output, spec) =>
        {
            if (spec is not null)
            {
                output.AddSource(spec.HintName, StudentEmitter.Emit(spec));
            }
        });

        // Every valid student's name, for the catalog and the duplicate-name check. Collect gives a new ImmutableArray
        // on every run, which compares by reference: an EquatableArray compares the entries instead.
        IncrementalValueProvider<EquatableArray<CatalogEntrySpec>> students = specs
            .Collect()
            .Select(static (all, _) => all.Where(spec => spec is not null).Select(spec => spec!.CatalogEntry).ToEquatableArray())
            .WithTrackingName(TrackingNames.CatalogEntries);

        // Diagnostics: each student's own, and PEAKD009 where another student keeps its class name.
        IncrementalValueProvider<EquatableArray<DuplicateName>> duplicates = students
            .Select(static (all, _) => DuplicateStudentNames.Find(all))
            .WithTrackingName(TrackingNames.DuplicateNames);
        IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics = parsed
            .Combine(duplicates)
            .Select(static (input, _) => DuplicateStudentNames.DiagnosticsFor(input.Left, input.Right))
            .WithTrackingName(TrackingNames.Diagnostics);
        context.RegisterSourceOutput(diagnostics, static (output, studentDiagnostics) =>
        {
            foreach (DiagnosticInfo diagnostic in studentDiagnostics)
            {
                output.ReportDiagnostic(diagnostic.ToDiagnostic());
            }
        });

        // The catalog lives in its students' namespace; when they share none, in the project's root namespace.
        IncrementalValueProvider<string> fallbackNamespace = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) => options.GlobalOptions.TryGetValue("build_property.RootNamespace", out string? root) ? root : null)
            .Combine(context.CompilationProvider.Select(static (compilation, _) => compilation.AssemblyName))
            .Select(static (names, _) => CatalogNamespace.Fallback(names.Left, names.Right));

        context.RegisterSourceOutput(students.Combine(fallbackNamespace), static (output, input) =>
        {
            (EquatableArray<CatalogEntrySpec> all, string fallback) = input;
            List<CatalogEntrySpec> catalog = DuplicateStudentNames.Kept(all);
            if (catalog.Count > 0)
            {
                string? catalogNamespace = CatalogNamespace.For(catalog.Select(s => s.Namespace).ToArray(), fallback);
                output.AddSource(CatalogEmitter.HintName, CatalogEmitter.Emit(catalog, catalogNamespace));
            }
        });
    }
}

/// <summary>Step names that tests use to check incremental caching.</summary>
public static class TrackingNames
{
    public const string Parse = "PeaKd.Parse";
    public const string Specs = "PeaKd.Specs";
    public const string CatalogEntries = "PeaKd.CatalogEntries";
    public const string DuplicateNames = "PeaKd.DuplicateNames";
    public const string Diagnostics = "PeaKd.Diagnostics";
}
