using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Architecture;

/// <summary>
/// Every test class that runs libtorch in the test host joins <see cref="TrainingCollection"/>, which runs alone. Two
/// reasons: libtorch's process-wide generator (a random teacher written in parallel with another test's draws came out
/// other bits, and a bit-for-bit sweep test failed on it), and the test host's two crashes in libtorch while such tests
/// ran in parallel. A class is taken to run libtorch when its file names TorchSharp or one of the test helpers and
/// runtime types that build tensors (a word list: it cannot follow calls, so a helper that reaches libtorch by a new
/// road belongs in it). Classes that swap the process-wide console join for the same reason.
/// </summary>
public class LibtorchTestsRunAloneTests
{
    private static readonly string[] LibtorchWords =
        ["TorchSharp", "WriteRandomTeacher", "TinyTask.", "TinySweep", "WeightsFile.", "HfCheckpoint.", "new BertClassifier", "StudentFolder.",
         "TextClassifier.", "OnnxExporter", "ModelExport.", "TeacherImport.", "OnnxBertImporter", "Batcher.",
         // not libtorch, but as process-wide: ConsoleCapture swaps Console.Out, Error and In for the whole test host
         "ConsoleCapture."];

    /// <summary>Classes that name TorchSharp without running it: a package's dependency list, the assembly a compilation
    /// references, the native file a patch test copies, and this test's own word list.</summary>
    private static readonly string[] NameItOnly = ["PackageTests", "ReadmeCodeTests", "ElfVersionNeedPatcherTests", nameof(LibtorchTestsRunAloneTests)];

    [Fact]
    public void Every_test_class_that_runs_libtorch_in_the_test_host_is_in_the_training_collection()
    {
        string root = TestFiles.Repository("PeaKd.Tests");
        var outside = new List<string>();
        foreach (string file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(root, f).Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj")))
        {
            string text = File.ReadAllText(file);
            if (!LibtorchWords.Any(w => text.Contains(w, StringComparison.Ordinal)))
            {
                continue;
            }
            SyntaxNode tree = CSharpSyntaxTree.ParseText(text, new CSharpParseOptions(LanguageVersion.Latest)).GetRoot();
            foreach (ClassDeclarationSyntax type in tree.DescendantNodes().OfType<ClassDeclarationSyntax>().Where(HasTests).Where(t => !NameItOnly.Contains(t.Identifier.Text)))
            {
                if (!InTrainingCollection(type))
                {
                    int line = type.Identifier.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
                    outside.Add($"{Path.GetRelativePath(TestFiles.Repository(), file)}:{line}: {type.Identifier.Text}");
                }
            }
        }
        Assert.True(outside.Count == 0,
            "These test classes run libtorch but run in parallel with others; add [Collection(TrainingCollection.Name)]:\n" + string.Join("\n", outside));
    }

    private static bool HasTests(ClassDeclarationSyntax type) =>
        type.Members.OfType<MethodDeclarationSyntax>().Any(m => m.AttributeLists.SelectMany(a => a.Attributes).Any(a => a.Name.ToString() is "Fact" or "Theory" or "SlurmFact"));

    private static bool InTrainingCollection(ClassDeclarationSyntax type) =>
        type.AttributeLists.SelectMany(a => a.Attributes)
            .Any(a => a.Name.ToString() == "Collection" && a.ArgumentList?.Arguments.FirstOrDefault()?.ToString() == "TrainingCollection.Name");
}
