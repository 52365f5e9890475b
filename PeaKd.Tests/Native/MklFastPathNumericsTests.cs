using System.Globalization;
using PeaKd.Checkpoints;
using PeaKd.Folders;
using PeaKd.IO;
using PeaKd.Modeling;
using PeaKd.Native;
using PeaKd.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PeaKd.Tests.Native;

/// <summary>
/// The same tiny distillation (PTP then KD of an SPS student) run by peakd with MKL's fast path and without it, and
/// its ONNX export served by ONNX Runtime against the student without it: MKL's two code paths round fp32 products
/// differently, so the runs differ in their last bits, and must agree within fp32 tolerance. (With the path on, the
/// test host's reference-forward, KD-loss and ONNX tests check the same against their independent references.)
/// </summary>
[Collection(TrainingCollection.Name)] // the teacher is made with libtorch; the children need the cores
[Trait(Speed.Trait, Speed.Slow)]
public class MklFastPathNumericsTests(ITestOutputHelper log)
{
    // After 2 PTP and 2 KD epochs at 1e-3 the weights differ by rounding alone: 1.4e-7 at most on this project's AMD
    // EPYC, the probabilities not at all in their 6 printed decimals (the test's log has the figures); the bounds leave
    // a wide margin and still catch a wrong product, which moves probabilities by far more.
    private const double WeightTolerance = 1e-4;
    private const double ProbabilityTolerance = 1e-4;

    [Fact]
    public void A_tiny_pipeline_with_and_without_the_fast_path_agrees_within_fp32_tolerance()
    {
        if (!MklFastPathTests.AmdWithAvx512)
        {
            log.WriteLine("Not an AMD CPU with AVX-512: both runs would take the same MKL path; nothing to compare here.");
            return;
        }
        using TempFolder folder = TestFiles.TempFolder();
        TinyTask.WriteData(folder.File("data"), train: 160, dev: 48);
        manual_seed(7);
        using (var teacher = new BertClassifier(TinyTask.TeacherConfig with { Labels = ["great", "other"] }))
        {
            HfCheckpoint.Save(teacher, folder.File("teacher"), TestFiles.Fixture("tiny-bert", "vocab.txt"));
        }

        Distill(folder, "on", "fast");
        Distill(folder, "off", "generic");

        Assert.Equal("Active", MklState(folder.File("fast")));
        Assert.Equal("TurnedOff", MklState(folder.File("generic")));
        string texts = folder.File("data/dev.tsv");
        Peakd("on", ["predict", "--model", folder.File("fast"), "--input", texts, "--output", folder.File("fast.tsv")]);
        Peakd("off", ["predict", "--model", folder.File("generic"), "--input", texts, "--output", folder.File("generic.tsv")]);
        double weights = MaxWeightDifference(folder.File("fast/student"), folder.File("generic/student"));
        double probabilities = MaxProbabilityDifference(folder.File("fast.tsv"), folder.File("generic.tsv"));
        log.WriteLine($"largest difference: weights {weights:E2}, dev probabilities {probabilities:E2}");
        Assert.True(weights <= WeightTolerance, $"student weights differ by {weights:E2} between the paths");
        Assert.True(probabilities <= ProbabilityTolerance, $"dev probabilities differ by {probabilities:E2} between the paths");

        // ONNX Runtime (no MKL) against the student run without the fast path, on the same texts
        Peakd("off", ["export", "--model", folder.File("generic"), "--out", folder.File("onnx"), "--format", "onnx"]);
        Peakd("off", ["predict", "--model", folder.File("onnx"), "--input", texts, "--output", folder.File("onnx.tsv")]);
        double served = MaxProbabilityDifference(folder.File("generic.tsv"), folder.File("onnx.tsv"));
        log.WriteLine($"ONNX Runtime against TorchSharp without the fast path: {served:E2}");
        Assert.True(served <= ProbabilityTolerance, $"the ONNX export's probabilities differ by {served:E2} from the student's");
    }

    private void Distill(TempFolder folder, string fastPath, string output) => Peakd(fastPath,
    [
        "distill", "--task", "tsv", "--data", folder.File("data"), "--teacher", folder.File("teacher"), "--student", "PeaBert1",
        "--out", folder.File(output), "--ptp-epochs", "2", "--epochs", "2", "--batch-size", "16", "--lr", "1e-3", "--max-length", "16",
        "--device", "cpu", "--seed", "3", "--init-from", "teacher",
    ]);

    private void Peakd(string fastPath, string[] arguments)
    {
        var (exit, output) = DotnetCli.Run(AppContext.BaseDirectory, TimeSpan.FromMinutes(5),
            new Dictionary<string, string> { [MklFastPath.EnvironmentVariable] = fastPath }, [PeakdProcess.Dll, .. arguments]);
        Assert.True(exit == 0, $"peakd {string.Join(' ', arguments)} ({MklFastPath.EnvironmentVariable}={fastPath}):\n{output}");
    }

    private static string? MklState(string run) => JsonFile.ReadObject(Path.Combine(run, "summary.json"))["mkl_fast_path"]?.GetValue<string>();

    private static double MaxWeightDifference(string a, string b)
    {
        using var scope = NewDisposeScope();
        Dictionary<string, Tensor> first = WeightsFile.Read(Path.Combine(a, ModelFiles.Safetensors));
        Dictionary<string, Tensor> second = WeightsFile.Read(Path.Combine(b, ModelFiles.Safetensors));
        Assert.Equal(first.Keys.Order(), second.Keys.Order());
        return first.Max(p => (p.Value - second[p.Key]).abs().max().item<float>());
    }

    /// <summary>The largest difference between two `peakd predict` files' probability columns (p_LABEL), row by row.</summary>
    private static double MaxProbabilityDifference(string a, string b)
    {
        string[][] first = Rows(a), second = Rows(b);
        Assert.Equal(first.Length, second.Length);
        int[] columns = Enumerable.Range(0, first[0].Length).Where(c => first[0][c].StartsWith("p_", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(columns);
        return first.Skip(1).Zip(second.Skip(1)).Max(pair => columns.Max(c =>
            Math.Abs(double.Parse(pair.First[c], CultureInfo.InvariantCulture) - double.Parse(pair.Second[c], CultureInfo.InvariantCulture))));
    }

    private static string[][] Rows(string file) => File.ReadAllLines(file).Where(l => l.Length > 0).Select(l => l.Split('\t')).ToArray();
}
