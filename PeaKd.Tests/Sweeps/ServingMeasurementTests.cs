using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using PeaKd.Data;
using PeaKd.Data.Tasks;
using PeaKd.Inference;
using PeaKd.Options;
using PeaKd.Sweeps;
using PeaKd.Tests.Folders;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Sweeps;

/// <summary>A cell's serving cost: the int8 export it measures is the file on disk, and its int8 metrics are the ones
/// ONNX Runtime gives when this test runs the file itself on hand-tokenized texts.</summary>
[Collection(TrainingCollection.Name)] // libtorch in this process: one test at a time, as the other training tests
public class ServingMeasurementTests(Xunit.Abstractions.ITestOutputHelper log)
{
    private static readonly string[] Labels = ["great", "other"]; // the fixture student's, in output order

    private static readonly ServingMeasurementSettings Quick = new() { Threads = 1, WarmupRuns = 2, LatencyRuns = 7, ThroughputBatches = 2 };

    [Fact]
    public void Measure_times_the_int8_file_it_wrote_and_scores_it_as_ONNX_Runtime_does_on_test()
    {
        using TempFolder folder = TestFiles.TempFolder();
        WriteData(folder.File("data"), labelledTest: true);
        WriteStudent(folder);

        var clock = Stopwatch.StartNew();
        ServingCost cost = Measure(folder);
        log.WriteLine($"Measure took {clock.Elapsed.TotalSeconds:F2} s: {cost}");

        string onnx = folder.File("run/onnx-int8/model.onnx");
        Assert.Equal(new FileInfo(onnx).Length, cost.Int8FileBytes);
        Assert.Contains(ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnx)).Graph.Node, n => n.OpType == "QAttention"); // int8, not fp32
        Assert.Equal((1, 16, 7, 32), (cost.Threads, cost.Length, cost.LatencyRuns, cost.ThroughputBatch));
        Assert.True(cost.LatencyMilliseconds > 0, $"latency {cost.LatencyMilliseconds}");
        Assert.True(cost.ThroughputExamplesPerSecond > 0, $"throughput {cost.ThroughputExamplesPerSecond}");
        Assert.False(string.IsNullOrWhiteSpace(cost.CpuModel));
        if (CpuInfoModelName() is string expected)
        {
            Assert.Equal(expected, cost.CpuModel);
        }

        Assert.Equal("test", cost.Int8Split);
        (double accuracy, double f1, int predictedOther) = ScoreDirectly(onnx, folder.File("data/test.tsv"));
        log.WriteLine($"independent scoring: accuracy {accuracy}, F1 {f1}, 'other' predicted for {predictedOther} of {TestRows}");
        Assert.InRange(predictedOther, 1, TestRows - 1); // both classes predicted, so the metrics are not a constant's
        Assert.Equal(accuracy, cost.Int8Metrics.Accuracy);
        Assert.Equal(f1, cost.Int8Metrics.F1!.Value, 12);

        // a second measurement (a cell resumed after an interruption) replaces the export and scores it the same
        ServingCost again = Measure(folder);
        Assert.Equal((cost.Int8FileBytes, cost.Int8Metrics), (again.Int8FileBytes, again.Int8Metrics));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Without_labels_in_test_or_without_test_the_int8_model_is_scored_on_dev(bool testFile)
    {
        using TempFolder folder = TestFiles.TempFolder();
        WriteData(folder.File("data"), labelledTest: false);
        if (!testFile)
        {
            File.Delete(folder.File("data/test.tsv"));
        }
        WriteStudent(folder);
        ServingCost cost = Measure(folder);
        Assert.Equal("dev", cost.Int8Split);
        Assert.Equal(ScoreDirectly(folder.File("run/onnx-int8/model.onnx"), folder.File("data/dev.tsv")).Accuracy, cost.Int8Metrics.Accuracy);
    }

    [Fact]
    public void Bad_settings_are_refused_naming_the_property_before_anything_is_written()
    {
        using TempFolder folder = TestFiles.TempFolder();
        SealedFolderTests.WriteStudent(folder.File("run/student"));
        var error = Assert.Throws<InvalidOptionException>(() => ServingMeasurement.Measure(folder.File("run/student"), DataSource.Files(TaskRegistry.Tsv(), folder.File("data")),
            16, folder.File("run/onnx-int8"), Quick with { LatencyRuns = 0 }));
        Assert.Equal("ServingMeasurementSettings.LatencyRuns", error.Property);
        Assert.False(Directory.Exists(folder.File("run/onnx-int8")));
    }

    [Fact]
    public void The_cpu_model_is_cpuinfos_first_model_name_and_none_where_it_has_none()
    {
        using TempFolder folder = TestFiles.TempFolder();
        File.WriteAllLines(folder.File("x86"), ["processor\t: 0", "vendor_id\t: GenuineIntel", "model\t\t: 143", "model name\t: Intel(R) Xeon(R) Platinum 8480+", "", "processor\t: 1", "model name\t: other"]);
        File.WriteAllLines(folder.File("arm"), ["processor\t: 0", "BogoMIPS\t: 50.00", "CPU part\t: 0xd0c"]);
        Assert.Equal("Intel(R) Xeon(R) Platinum 8480+", MachineCpu.FromCpuInfo(folder.File("x86")));
        Assert.Null(MachineCpu.FromCpuInfo(folder.File("arm")));
        Assert.Null(MachineCpu.FromCpuInfo(folder.File("missing")));
        Assert.False(string.IsNullOrWhiteSpace(MachineCpu.Model()));
    }

    /// <summary>The fixture student (random weights), its classifier's bias set so that it answers "other" for about half
    /// the texts of data/dev.tsv: as written, it answers "great" for all, and a constant's metrics would agree by chance.</summary>
    private void WriteStudent(TempFolder folder)
    {
        SealedFolderTests.WriteStudent(folder.File("draft"));
        var texts = File.ReadAllLines(folder.File("data/dev.tsv")).Skip(1).Select(line => (line.Split('\t')[0], (string?)null)).ToArray();
        double[] margins;
        using (TextClassifier draft = TextClassifier.Load(folder.File("draft")))
        {
            margins = draft.Logits(texts).Select(l => (double)l[1] - l[0]).Order().ToArray();
        }
        float shift = (float)margins[margins.Length / 2];
        log.WriteLine($"margins of 'other' over 'great' from {margins[0]:G3} to {margins[^1]:G3}; bias shifted by {-shift:G3}");
        SealedFolderTests.WriteStudent(folder.File("run/student"), edit: weights => weights["classifier.bias"][1] -= shift);
    }

    private static ServingCost Measure(TempFolder folder) => ServingMeasurement.Measure(folder.File("run/student"),
        DataSource.Files(TaskRegistry.Tsv(), folder.File("data")), maxLength: 16, folder.File("run/onnx-int8"), Quick);

    private const int TestRows = 100;

    /// <summary>Sentences of 3 to 9 words among tok0 .. tok44 (each one token of the fixture vocabulary) with random
    /// labels: the student is random too, so only agreement between scorers is tested. 100 test rows make two batches
    /// of TextClassifier's 64, the second padded differently.</summary>
    private static void WriteData(string folder, bool labelledTest)
    {
        Directory.CreateDirectory(folder);
        var random = new Random(3);
        string Row(bool label) => string.Join(' ', Enumerable.Range(0, random.Next(3, 10)).Select(_ => $"tok{random.Next(0, 45)}"))
            + (label ? $"\t{Labels[random.Next(2)]}" : "");
        File.WriteAllLines(Path.Combine(folder, "train.tsv"), ["text\tlabel", .. Enumerable.Range(0, 20).Select(_ => Row(true))]);
        File.WriteAllLines(Path.Combine(folder, "dev.tsv"), ["text\tlabel", .. Enumerable.Range(0, 30).Select(_ => Row(true))]);
        File.WriteAllLines(Path.Combine(folder, "test.tsv"), [labelledTest ? "text\tlabel" : "text", .. Enumerable.Range(0, TestRows).Select(_ => Row(labelledTest))]);
    }

    /// <summary>The peer: the texts tokenized by hand ([CLS] = 2, tokN = N + 5, [SEP] = 3 in the fixture vocabulary), run
    /// through ONNX Runtime in batches of 64 in file order, each padded to its longest row as TextClassifier batches them
    /// (int8 quantizes a batch's activations together); accuracy, and F1 of "other" (the tsv task's positive class: the
    /// label that sorts last).</summary>
    private static (double Accuracy, double F1, int PredictedOther) ScoreDirectly(string onnxFile, string tsv)
    {
        string[][] rows = File.ReadAllLines(tsv).Skip(1).Select(line => line.Split('\t')).ToArray();
        int[][] ids = rows.Select(r => r[0].Split(' ').Select(w => int.Parse(w[3..]) + 5).Prepend(2).Append(3).ToArray()).ToArray();
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(onnxFile, options);
        var predicted = new List<int>();
        foreach (int[][] batch in ids.Chunk(64))
        {
            int length = batch.Max(r => r.Length);
            var input = new long[batch.Length * length];
            var mask = new long[batch.Length * length];
            for (int r = 0; r < batch.Length; r++)
            {
                for (int c = 0; c < batch[r].Length; c++)
                {
                    (input[r * length + c], mask[r * length + c]) = (batch[r][c], 1);
                }
            }
            long[] shape = [batch.Length, length];
            using var inputValue = OrtValue.CreateTensorValueFromMemory(input, shape);
            using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
            using var typesValue = OrtValue.CreateTensorValueFromMemory(new long[input.Length], shape);
            using var run = new RunOptions();
            using var outputs = session.Run(run, ["input_ids", "attention_mask", "token_type_ids"], [inputValue, maskValue, typesValue], ["logits"]);
            float[] logits = outputs[0].GetTensorDataAsSpan<float>().ToArray();
            predicted.AddRange(Enumerable.Range(0, batch.Length).Select(r => logits[2 * r + 1] > logits[2 * r] ? 1 : 0));
        }
        int[] gold = rows.Select(r => Array.IndexOf(Labels, r[1])).ToArray();
        int truePositives = predicted.Zip(gold).Count(p => p is (1, 1));
        int falsePositives = predicted.Zip(gold).Count(p => p is (1, 0));
        int falseNegatives = predicted.Zip(gold).Count(p => p is (0, 1));
        double accuracy = (double)predicted.Zip(gold).Count(p => p.First == p.Second) / gold.Length;
        return (accuracy, 2.0 * truePositives / (2 * truePositives + falsePositives + falseNegatives), predicted.Count(p => p == 1));
    }

    /// <summary>/proc/cpuinfo's first "model name", read here with a plain string search; null where there is none.</summary>
    private static string? CpuInfoModelName() =>
        File.Exists("/proc/cpuinfo") && File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal)) is string line
            ? line[(line.IndexOf(':') + 1)..].Trim() : null;
}
