using PeaKd.Checkpoints;
using PeaKd.Export;
using PeaKd.Modeling;
using PeaKd.Samples.Cli;
using PeaKd.Tests.Infrastructure;
using Xunit;
using static TorchSharp.torch;

namespace PeaKd.Tests.Folders;

/// <summary><c>peakd verify</c>: an intact export is reported with its kind and file count; a flipped byte is one line
/// naming the file, exit 1; a folder PeaKd did not seal is said to be unsealed.</summary>
[Collection(TrainingCollection.Name)] // the console is captured
public class VerifyCommandTests
{
    [Fact]
    public void Verify_reports_intact_folders_and_names_a_changed_file()
    {
        using TempFolder folder = TestFiles.TempFolder();
        manual_seed(11);
        using (var model = new BertClassifier(TinyTask.TeacherConfig with { Labels = ["great", "other"] }))
        {
            HfCheckpoint.Save(model, folder.File("model"), TestFiles.Fixture("tiny-bert", "vocab.txt"));
        }
        ModelExport.ToOnnx(folder.File("model"), folder.File("onnx"));

        var (exit, output, error) = ConsoleCapture.Run(() => PeakdCli.Run(["verify", folder.File("onnx"), folder.File("model")]));
        Assert.True(exit == 0, error);
        Assert.Contains($"{folder.File("onnx")}: intact, onnx-export written by PeaKd", output);
        Assert.Contains("3 files", output); // model.onnx, config.json, vocab.txt (the model records no length)
        Assert.Contains($"{folder.File("model")}: unsealed", output);

        string graph = folder.File("onnx/model.onnx");
        byte[] bytes = File.ReadAllBytes(graph);
        bytes[bytes.Length / 3] ^= 0x40;
        File.WriteAllBytes(graph, bytes);
        (exit, output, error) = ConsoleCapture.Run(() => PeakdCli.Run(["verify", folder.File("onnx")]));
        Assert.Equal(1, exit);
        Assert.StartsWith($"peakd verify: {graph}: its content changed", error);
        Assert.Single(error.TrimEnd().Split('\n'));
    }
}
