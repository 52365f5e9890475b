using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using PeaKd.Generators;
using Xunit;

namespace PeaKd.Tests.Readme;

/// <summary>
/// The documentation's C# is true: every code block of the README, the guides in docs/ and the package's readme
/// compiles against the runtime with the student generator (a program of top-level statements as an application), an
/// excerpt of generated code matches its baseline line for line, and the README's "Use from C#" program is built
/// against the package and run (PackageTests).
/// </summary>
public class ReadmeCodeTests
{
    private static readonly Regex Block = new(@"(?:<!-- (?<note>[^\n]*) -->\n)?```csharp\n(?<code>.*?)```", RegexOptions.Singleline);

    public static TheoryData<string, int, string, string> Blocks()
    {
        var blocks = new TheoryData<string, int, string, string>();
        foreach (string file in Docs.Guides())
        {
            string text = Docs.Read(file);
            foreach (Match block in Block.Matches(text))
            {
                int line = text[..block.Index].Count(c => c == '\n') + 1;
                blocks.Add(file, line, block.Groups["note"].Value, block.Groups["code"].Value);
            }
        }
        return blocks;
    }

    [Fact]
    public void The_docs_have_the_blocks_these_tests_check()
    {
        var rows = Blocks().Select(row => (File: (string)row[0], Note: (string)row[2])).ToList();
        Assert.True(rows.Count >= 8, $"{rows.Count} C# blocks");
        // the front door's short DSL example and whole program, and the package readme's example
        Assert.True(rows.Count(r => r.File == Docs.Readme) >= 2, "the README's C# blocks");
        Assert.Contains(rows, r => r.File == Docs.PackageReadme);
        Assert.Equal(Docs.Readme, Assert.Single(rows, r => r.Note.StartsWith("ReadmeProgramTests", StringComparison.Ordinal)).File);
        Assert.Equal(Docs.DslGuide, Assert.Single(rows, r => r.Note.StartsWith("ReadmeCodeTests: an excerpt of", StringComparison.Ordinal)).File);
        // the guides whose C# this test compiles: the DSL, serving (plain .NET and ML.NET), modeling
        Assert.Contains(rows, r => r.File == Docs.DslGuide && r.Note.Length == 0);
        Assert.Equal(2, rows.Count(r => r.File == "docs/serving.md"));
        Assert.Contains(rows, r => r.File == "docs/modeling.md");
    }

    [Theory]
    [MemberData(nameof(Blocks))]
    public void A_code_block_is_true(string file, int line, string note, string code)
    {
        if (note.StartsWith("ReadmeProgramTests", StringComparison.Ordinal))
        {
            return; // built against the packed runtime and run on tiny data by PackageTests
        }
        if (note.StartsWith("ReadmeCodeTests: an excerpt of ", StringComparison.Ordinal))
        {
            string baseline = Docs.Read(note["ReadmeCodeTests: an excerpt of ".Length..].Trim());
            string[] generated = baseline.Replace("global::TorchSharp.torch.", "").Replace("global::PeaKd.", "").Split('\n').Select(l => l.Trim()).ToArray();
            foreach (string excerpt in code.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0))
            {
                Assert.True(generated.Contains(excerpt), $"{file} line near {line}: '{excerpt}' is not in the baseline");
            }
            return;
        }
        Compile($"{file}:{line}", code);
    }

    private static void Compile(string where, string code)
    {
        SyntaxTree tree = CSharpSyntaxTree.ParseText(code, new CSharpParseOptions(LanguageVersion.Latest), path: where);
        bool program = tree.GetRoot().DescendantNodes().OfType<GlobalStatementSyntax>().Any();
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Append(typeof(PeaKd.Students.StudentModel).Assembly.Location)
            .Append(typeof(TorchSharp.torch).Assembly.Location)
            .Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create("ReadmeBlock", [tree, ImplicitUsings()], references,
            new CSharpCompilationOptions(program ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        CSharpGeneratorDriver.Create(new StudentGenerator()).RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorErrors);
        var errors = generatorErrors.Concat(output.GetDiagnostics()).Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, $"the C# block at {where} does not compile:\n{string.Join("\n", errors)}");
    }

    /// <summary>The SDK's implicit usings of a console application, as a project created with dotnet new has them.</summary>
    private static SyntaxTree ImplicitUsings() => CSharpSyntaxTree.ParseText(
        "global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; global using System.Threading.Tasks;",
        new CSharpParseOptions(LanguageVersion.Latest));
}
