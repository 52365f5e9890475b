using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using PeaKd.Generators;
using Xunit;

namespace PeaKd.Tests.Readme;

/// <summary>
/// The README's C# is true: every code block compiles against the runtime with the student generator (a program of
/// top-level statements as an application), an excerpt of generated code matches its baseline line for line, and the
/// "Use from C#" program is built against the package and run (PackageTests).
/// </summary>
public class ReadmeCodeTests
{
    private static string RepositoryFile(string relative, [CallerFilePath] string callerFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(callerFile)!, "..", "..", relative));

    private static readonly Regex Block = new(@"(?:<!-- (?<note>[^\n]*) -->\n)?```csharp\n(?<code>.*?)```", RegexOptions.Singleline);

    public static TheoryData<int, string, string> Blocks()
    {
        var blocks = new TheoryData<int, string, string>();
        string readme = File.ReadAllText(RepositoryFile("README.md"));
        foreach (Match block in Block.Matches(readme))
        {
            int line = readme[..block.Index].Count(c => c == '\n') + 1;
            blocks.Add(line, block.Groups["note"].Value, block.Groups["code"].Value);
        }
        return blocks;
    }

    [Fact]
    public void The_README_has_the_blocks_these_tests_check()
    {
        var notes = Blocks().Select(row => (string)row[1]).ToList();
        Assert.True(notes.Count >= 4, $"{notes.Count} C# blocks");
        Assert.Single(notes, n => n.StartsWith("ReadmeProgramTests", StringComparison.Ordinal));
        Assert.Single(notes, n => n.StartsWith("ReadmeCodeTests: an excerpt of", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Blocks))]
    public void A_code_block_is_true(int line, string note, string code)
    {
        if (note.StartsWith("ReadmeProgramTests", StringComparison.Ordinal))
        {
            return; // built against the packed runtime and run on tiny data by PackageTests
        }
        if (note.StartsWith("ReadmeCodeTests: an excerpt of ", StringComparison.Ordinal))
        {
            string baseline = File.ReadAllText(RepositoryFile(note["ReadmeCodeTests: an excerpt of ".Length..].Trim()));
            string[] generated = baseline.Replace("global::TorchSharp.torch.", "").Replace("global::PeaKd.", "").Split('\n').Select(l => l.Trim()).ToArray();
            foreach (string excerpt in code.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0))
            {
                Assert.True(generated.Contains(excerpt), $"README line near {line}: '{excerpt}' is not in the baseline");
            }
            return;
        }
        Compile(line, code);
    }

    private static void Compile(int line, string code)
    {
        SyntaxTree tree = CSharpSyntaxTree.ParseText(code, new CSharpParseOptions(LanguageVersion.Latest), path: $"README.md:{line}");
        bool program = tree.GetRoot().DescendantNodes().OfType<GlobalStatementSyntax>().Any();
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Append(typeof(PeaKd.Students.StudentModel).Assembly.Location)
            .Append(typeof(TorchSharp.torch).Assembly.Location)
            .Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create("ReadmeBlock", [tree, ImplicitUsings()], references,
            new CSharpCompilationOptions(program ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        CSharpGeneratorDriver.Create(new StudentGenerator()).RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorErrors);
        var errors = generatorErrors.Concat(output.GetDiagnostics()).Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, $"README block at line {line} does not compile:\n{string.Join("\n", errors)}");
    }

    /// <summary>The SDK's implicit usings of a console application, as a project created with dotnet new has them.</summary>
    private static SyntaxTree ImplicitUsings() => CSharpSyntaxTree.ParseText(
        "global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; global using System.Threading.Tasks;",
        new CSharpParseOptions(LanguageVersion.Latest));
}
