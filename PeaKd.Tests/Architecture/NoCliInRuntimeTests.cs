using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace PeaKd.Tests.Architecture;

/// <summary>
/// The runtime is a library: it knows no CLI. Its strings (messages a user reads) and its comments name API
/// properties and types, never a command-line flag, a <c>peakd</c> command or "the CLI"; the CLI maps the API's
/// names to its flags. Only string literals and comments are read, so code such as <c>i--</c> is not mistaken for one.
/// Not even another tool's command line: running Slurm's sbatch and squeue, and writing sbatch scripts, is PeaKd.Slurm's,
/// an assembly beside the runtime.
/// </summary>
public class NoCliInRuntimeTests
{
    private static readonly Regex CliWords = new(
        @"(?<![\w-])--[a-z][a-z-]*|\bCLI\b|\bpeakd('s|\s+(students|distill|finetune|report|export|import|verify|evaluate|predict|info|sweep|record))\b",
        RegexOptions.CultureInvariant);

    [Fact]
    public void No_string_or_comment_in_the_runtime_speaks_of_flags_commands_or_the_CLI()
    {
        string root = RuntimeLayers.RuntimeFolder();
        var found = new List<string>();
        foreach (string file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(root, f).Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj")))
        {
            SyntaxNode tree = CSharpSyntaxTree.ParseText(File.ReadAllText(file), new CSharpParseOptions(LanguageVersion.Latest, DocumentationMode.Parse)).GetRoot();
            var texts = tree.DescendantTokens(descendIntoTrivia: true)
                .Where(t => t.IsKind(SyntaxKind.StringLiteralToken) || t.IsKind(SyntaxKind.InterpolatedStringTextToken)
                    || t.IsKind(SyntaxKind.XmlTextLiteralToken) || t.IsKind(SyntaxKind.SingleLineRawStringLiteralToken)
                    || t.IsKind(SyntaxKind.MultiLineRawStringLiteralToken))
                .Select(t => (t.Text, t.GetLocation()))
                .Concat(tree.DescendantTrivia().Where(t => t.IsKind(SyntaxKind.SingleLineCommentTrivia) || t.IsKind(SyntaxKind.MultiLineCommentTrivia))
                    .Select(t => (Text: t.ToString(), t.GetLocation())));
            foreach ((string text, Location location) in texts)
            {
                if (CliWords.Match(text) is { Success: true } match)
                {
                    found.Add($"{Path.GetRelativePath(root, file)}:{location.GetLineSpan().StartLinePosition.Line + 1}: '{match.Value}' in {text.Trim()}");
                }
            }
        }
        Assert.True(found.Count == 0, "the runtime names the CLI; name the API property instead:\n" + string.Join("\n", found));
    }
}
