using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using PeaKd.Generators.Diagnostics;
using PeaKd.Generators.Emitting;
using PeaKd.Generators.Model;
using PeaKd.Generators.Parsing;

namespace PeaKd.Generators;

/// <summary>
/// Completes every [Student] partial class into a TorchSharp student module with its SPS wiring, and
/// writes a catalog of them. Pipeline: parse (to an equatable spec plus diagnostics), then emit.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class StudentGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<StudentParseResult> students = context.SyntaxProvider.ForAttributeWithMetadataName(
            StudentParser.StudentAttribute,
            predicate: static (node, _) => node is ClassDeclarationSyntax,
            transform: static (syntaxContext, cancellationToken) => StudentParser.Parse(syntaxContext, cancellationToken))
            .WithTrackingName(TrackingNames.Parse);

        context.RegisterSourceOutput(students, static (output, result) =>
        {
            foreach (DiagnosticInfo diagnostic in result.Diagnostics)
            {
                output.ReportDiagnostic(diagnostic.ToDiagnostic());
            }
            if (result.Spec is { } spec)
            {
                output.AddSource(spec.HintName, StudentEmitter.Emit(spec));
            }
        });

        IncrementalValueProvider<ImmutableArray<StudentSpec>> valid = students
            .Where(static result => result.Spec is not null)
            .Select(static (result, _) => result.Spec!)
            .WithTrackingName(TrackingNames.Specs)
            .Collect();

        // The catalog lives in its students' namespace; when they share none, in the project's root namespace.
        IncrementalValueProvider<string> fallbackNamespace = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) => options.GlobalOptions.TryGetValue("build_property.RootNamespace", out string? root) ? root : null)
            .Combine(context.CompilationProvider.Select(static (compilation, _) => compilation.AssemblyName))
            .Select(static (names, _) => CatalogNamespace.Fallback(names.Left, names.Right));

        context.RegisterSourceOutput(valid.Combine(fallbackNamespace), static (output, input) =>
        {
            (ImmutableArray<StudentSpec> specs, string fallback) = input;
            var catalog = new List<StudentSpec>();
            var byName = new Dictionary<string, StudentSpec>();
            foreach (StudentSpec spec in specs.Where(s => s.VisibleToCatalog).OrderBy(s => s.FullyQualifiedName, System.StringComparer.Ordinal))
            {
                if (byName.TryGetValue(spec.ClassName, out StudentSpec? first))
                {
                    output.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.DuplicateStudentName,
                        spec.Location?.ToLocation(), spec.ClassName, first.FullyQualifiedName.Replace("global::", "")));
                    continue;
                }
                byName[spec.ClassName] = spec;
                catalog.Add(spec);
            }
            if (catalog.Count > 0)
            {
                string catalogNamespace = CatalogNamespace.Common(catalog.Select(s => s.Namespace)) ?? fallback;
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
}
