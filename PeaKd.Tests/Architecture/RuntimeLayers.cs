using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace PeaKd.Tests.Architecture;

/// <summary>
/// The runtime's sources compiled here with Roslyn, so every name in them resolves to the type it means: which folder
/// each file is in, which runtime types each file uses (through usings, qualified names, <c>var</c> and target-typed
/// <c>new()</c> alike) and which folder declares them.
/// </summary>
internal sealed class RuntimeLayers
{
    /// <summary>A use of a type declared in another folder: where, and what.</summary>
    public sealed record Use(string FromFolder, string ToFolder, string File, int Line, string Type);

    public required IReadOnlyList<(string File, string Folder, string Namespace)> Files { get; init; }

    public required IReadOnlyList<Use> CrossFolderUses { get; init; }

    public required IReadOnlyList<string> UnresolvedNames { get; init; }

    /// <summary>Every method, constructor, accessor and local function with a body: where, how many lines, and
    /// the comments just above it (where a long one says why it is long).</summary>
    public required IReadOnlyList<(string File, int Line, string Name, int Lines, string Comments)> Methods { get; init; }

    public static string RuntimeFolder() => Infrastructure.TestFiles.Repository("PeaKd.Runtime");

    /// <summary>A file's layer folder: the first folder under PeaKd.Runtime ("" for the project's root).</summary>
    public static string FolderOf(string runtimeFolder, string file)
    {
        string[] parts = Path.GetRelativePath(runtimeFolder, file).Split(Path.DirectorySeparatorChar);
        return parts.Length > 1 ? parts[0] : "";
    }

    public static RuntimeLayers Load()
    {
        string root = RuntimeFolder();
        string[] sources = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(root, f).Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj"))
            .Order(StringComparer.Ordinal).ToArray();

        // The SDK's implicit usings (ImplicitUsings=enable in Directory.Build.props).
        const string globalUsings = "global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; global using System.Net.Http; global using System.Threading; global using System.Threading.Tasks;";
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = sources.Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), parse, path: f))
            .Append(CSharpSyntaxTree.ParseText(globalUsings, parse, path: "GlobalUsings.cs")).ToList();
        // Every assembly of the test run except the runtime's own (its types come from source here) and its friends.
        string runtimeDll = typeof(PeaKd.Students.StudentModel).Assembly.Location;
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Append(typeof(TorchSharp.torch).Assembly.Location)
            .Where(p => !string.Equals(Path.GetFileName(p), Path.GetFileName(runtimeDll), StringComparison.Ordinal))
            .Where(p => !Path.GetFileName(p).StartsWith("PeaKd.", StringComparison.Ordinal) && Path.GetFileName(p) != "peakd.dll")
            .Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create("PeaKd.Runtime", trees, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true));

        var unresolved = compilation.GetDiagnostics()
            .Where(d => d.Id is "CS0246" or "CS0234" or "CS0103")
            .Select(d => d.ToString()).ToList();

        var files = new List<(string, string, string)>();
        var methods = new List<(string, int, string, int, string)>();
        var uses = new List<Use>();
        foreach (SyntaxTree tree in trees.Where(t => t.FilePath != "GlobalUsings.cs"))
        {
            string folder = FolderOf(root, tree.FilePath);
            string relative = Path.GetRelativePath(root, tree.FilePath);
            SyntaxNode syntax = tree.GetRoot();
            string ns = syntax.DescendantNodes().OfType<BaseNamespaceDeclarationSyntax>().FirstOrDefault()?.Name.ToString() ?? "";
            files.Add((relative, folder, ns));

            foreach (SyntaxNode member in syntax.DescendantNodes().Where(n => n is BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or LocalFunctionStatementSyntax))
            {
                SyntaxNode? body = member switch
                {
                    BaseMethodDeclarationSyntax m => (SyntaxNode?)m.Body ?? m.ExpressionBody,
                    AccessorDeclarationSyntax a => (SyntaxNode?)a.Body ?? a.ExpressionBody,
                    LocalFunctionStatementSyntax l => (SyntaxNode?)l.Body ?? l.ExpressionBody,
                    _ => null,
                };
                if (body is null)
                {
                    continue;
                }
                var span = member.GetLocation().GetLineSpan();
                string name = member switch
                {
                    MethodDeclarationSyntax m => m.Identifier.Text,
                    ConstructorDeclarationSyntax c => c.Identifier.Text,
                    LocalFunctionStatementSyntax l => l.Identifier.Text,
                    AccessorDeclarationSyntax a => $"{(a.Parent?.Parent as PropertyDeclarationSyntax)?.Identifier.Text}.{a.Keyword.Text}",
                    _ => member.Kind().ToString(),
                };
                string comments = string.Join("\n", member.GetLeadingTrivia()
                    .Where(t => t.IsKind(SyntaxKind.SingleLineCommentTrivia) || t.IsKind(SyntaxKind.SingleLineDocumentationCommentTrivia)).Select(t => t.ToFullString()));
                methods.Add((relative, span.StartLinePosition.Line + 1, name, span.EndLinePosition.Line - span.StartLinePosition.Line + 1, comments));
            }

            SemanticModel model = compilation.GetSemanticModel(tree);
            foreach (SyntaxNode node in syntax.DescendantNodes())
            {
                ISymbol? symbol = node switch
                {
                    SimpleNameSyntax name => model.GetSymbolInfo(name).Symbol ?? model.GetSymbolInfo(name).CandidateSymbols.FirstOrDefault(),
                    ImplicitObjectCreationExpressionSyntax creation => model.GetTypeInfo(creation).Type,
                    VariableDeclarationSyntax { Type.IsVar: true } declaration => model.GetTypeInfo(declaration.Type).Type,
                    _ => null,
                };
                foreach (INamedTypeSymbol type in TypesIn(symbol))
                {
                    string? declaredIn = type.OriginalDefinition.Locations.FirstOrDefault(l => l.IsInSource)?.SourceTree?.FilePath;
                    if (declaredIn is null || declaredIn == "GlobalUsings.cs")
                    {
                        continue;
                    }
                    string toFolder = FolderOf(root, declaredIn);
                    if (toFolder != folder)
                    {
                        int line = node.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
                        uses.Add(new Use(folder, toFolder, relative, line, type.OriginalDefinition.ToDisplayString()));
                    }
                }
            }
        }
        return new RuntimeLayers { Files = files, CrossFolderUses = uses, UnresolvedNames = unresolved, Methods = methods };
    }

    /// <summary>The runtime types a symbol names: a type itself, or the type that declares a member.</summary>
    private static IEnumerable<INamedTypeSymbol> TypesIn(ISymbol? symbol)
    {
        switch (symbol)
        {
            case INamedTypeSymbol type:
                yield return type;
                foreach (ITypeSymbol argument in type.TypeArguments)
                {
                    if (argument is INamedTypeSymbol named)
                    {
                        yield return named;
                    }
                }
                break;
            case IMethodSymbol { ReducedFrom: { } extension }:
                yield return extension.ContainingType;
                break;
            case { ContainingType: { } containing } when symbol is not ITypeParameterSymbol:
                yield return containing;
                break;
        }
    }
}
