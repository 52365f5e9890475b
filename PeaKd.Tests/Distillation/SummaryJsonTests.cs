using PeaKd.Data.Metrics;
using PeaKd.Distillation;
using PeaKd.IO;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Distillation;

/// <summary>summary.json byte for byte: results of fixed values are written as a run writes them (sealed, indented) and
/// compared with files written before the results' metrics were typed (Fixtures/records/expected), so a change in the
/// types behind the file cannot change one key, its order or a number's digits.</summary>
public class SummaryJsonTests
{
    private static SplitMetrics Values(params (string Name, double Value)[] values) => new(values.Select(v => KeyValuePair.Create(v.Name, v.Value)));

    /// <summary>A PeaBERT run on an MRPC-like task (F1 listed before accuracy) with a split beyond dev and test, the
    /// teacher fine-tuned by the run, PTP and KD, warnings and a positive label: every part summary.json has.</summary>
    internal static DistillationResult Distillation()
    {
        var ptpStage = new StageResult
        {
            Steps = 110, Seconds = 150.25, ExamplesPerSecond = 46.5, BestScore = -1.1234567890123, BestStep = 100,
            BestDev = Values(("ptp_loss", 1.1234567890123)),
        };
        var kdStage = new StageResult
        {
            Steps = 220, Seconds = 0.1 + 0.2, ExamplesPerSecond = 28, BestScore = 0.8125, BestStep = 200,
            BestDev = Values(("f1", 0.8571428571428571), ("accuracy", 0.8125), ("loss", 0.45)),
        };
        var fineTune = new StageResult
        {
            Steps = 330, Seconds = 600, ExamplesPerSecond = 1e-5, BestScore = null, BestStep = 0, BestDev = null,
        };
        return new DistillationResult
        {
            Task = "MRPC",
            PositiveLabel = "1",
            Warnings = ["the student on dev_mismatched: predicts '1' for every one of the 12 examples"],
            Student = "PeaBert2",
            Plan = "0 1 0' 1'",
            OwnedLayers = 2,
            EffectiveDepth = 4,
            OwnedParameters = 15615360,
            ParametersWithClassifier = 15616130,
            Teacher = new TeacherSummary("/runs/é teacher", 6, 22713216, new Dictionary<string, SplitMetrics>
            {
                ["dev"] = Values(("f1", 0.9), ("accuracy", 0.875)),
                ["test"] = Values(("f1", 0.88), ("accuracy", 0.86)),
            }),
            Init = new StudentInitSummary(StudentInit.Pretrained, "/models/minilm", [0, 2]),
            Ptp = true,
            Metrics = new Dictionary<string, SplitMetrics>
            {
                ["dev"] = Values(("f1", 0.8571428571428571), ("accuracy", 0.8125)),
                ["dev_mismatched"] = Values(("f1", 0), ("accuracy", 0.5)),
                ["test"] = Values(("f1", 1.0 / 3), ("accuracy", 2.0 / 3)),
            },
            Stages = new DistillationStages(fineTune,
                new PtpStageResult(ptpStage, new PtpLabelStats(0.9126396775245667, 0.830710768699646, [1530, 1530, 220, 220], [204, 208, 54, 34])),
                new KdStageResult(kdStage, new KdSettings(0.7, 10, 100), "0->1, 1->3")),
            TrainingSeconds = 750.55,
            ExamplesPerSecond = 33.25,
            WallSeconds = 812.5,
            Device = "cpu",
            Threads = 2,
            Precision = "bf16",
            Paths = new RunPaths("/runs/peabert-2", "/runs/peabert-2/student", "/runs/é teacher", new Dictionary<string, string>
            {
                ["dev"] = "/runs/peabert-2/predictions-dev.tsv",
                ["dev_mismatched"] = "/runs/peabert-2/predictions-dev_mismatched.tsv",
                ["test"] = "/runs/peabert-2/predictions-test.tsv",
            }),
        };
    }

    /// <summary>A regression teacher (Pearson before Spearman) without a positive label or warnings.</summary>
    internal static FineTuneResult FineTune() => new()
    {
        Task = "STS-B",
        Folder = "/runs/teacher",
        Layers = 6,
        Parameters = 22713216,
        Metrics = new Dictionary<string, SplitMetrics>
        {
            ["dev"] = Values(("pearson", 0.8765432109876543), ("spearman", 0.87)),
        },
        Stage = new StageResult
        {
            Steps = 220, Seconds = 642.929263, ExamplesPerSecond = 10.88766743535206, BestScore = 0.8765432109876543, BestStep = 180,
            BestDev = Values(("pearson", 0.8765432109876543), ("spearman", 0.87), ("loss", 0.44769070645523984)),
        },
        Device = "cuda",
        Precision = "fp32",
    };

    [Fact]
    public void A_distillation_result_writes_the_summary_it_always_wrote() =>
        AssertWritten(Distillation().ToJson(), "distillation-summary.json");

    [Fact]
    public void A_fine_tuning_result_writes_the_summary_it_always_wrote() =>
        AssertWritten(FineTune().ToJson(), "finetune-summary.json");

    private static void AssertWritten(System.Text.Json.Nodes.JsonObject summary, string expected)
    {
        using var folder = TestFiles.TempFolder();
        JsonFile.WriteSealed(folder.File("summary.json"), summary);
        Assert.Equal(File.ReadAllText(TestFiles.Fixture("records", "expected", expected)), File.ReadAllText(folder.File("summary.json")));
        Assert.Equal(File.ReadAllBytes(TestFiles.Fixture("records", "expected", expected)), File.ReadAllBytes(folder.File("summary.json")));
    }
}
