using System.Text.Json.Nodes;
using PeaKd.Distillation;
using PeaKd.Reporting.Records;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Reporting;

/// <summary>Every summary.json PeaKd has written still reads: the committed research records (each figure checked
/// against the file itself, read as plain JSON), and one run folder of each older shape PeaKd's writers produced
/// (Fixtures/records/older, written as those versions wrote them), with the figures a report shows.</summary>
public class OlderRecordsTests
{
    internal static string Repository() => Infrastructure.TestFiles.Repository();

    public static TheoryData<string> CommittedRecords()
    {
        var data = new TheoryData<string>();
        string root = Path.Combine(Repository(), "docs", "results", "protocol"); // the older records (a sweep's, in results/sweep, are newer)
        foreach (string summary in Directory.GetFiles(root, "summary.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(Repository(), Path.GetDirectoryName(summary)!));
        }
        return data;
    }

    [Fact]
    public void The_committed_records_are_all_found()
    {
        // 118 run folders under docs/results/protocol: the grid's 95, the PTP study's 15, 6 tuning runs and 2 teachers
        Assert.Equal(118, CommittedRecords().Count);
    }

    [Theory]
    [MemberData(nameof(CommittedRecords))]
    public void A_committed_record_reads_with_the_figures_its_file_holds(string relative)
    {
        string folder = Path.Combine(Repository(), relative);
        JsonObject file = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")))!.AsObject();
        JsonObject options = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "options.json")))!.AsObject();
        RunSummary run = RunSummary.Read(folder);

        bool student = file["student"] is not null;
        Assert.Equal(student, run.IsStudent);
        Assert.Equal(file[student ? "student" : "model"]!.GetValue<string>(), run.Model);
        Assert.Equal(file[student ? "owned_layers" : "layers"]!.GetValue<int>(), run.OwnedLayers);
        Assert.Equal(file[student ? "owned_parameters" : "parameters"]!.GetValue<long>(), run.Parameters);
        Assert.Equal(file["effective_depth"]!.GetValue<int>(), run.EffectiveDepth);
        Assert.Equal(file["training_seconds"]!.GetValue<double>(), run.TrainingSeconds);
        // most records predate the positive label (they scored train's second label); the ablation's seed 5 records it
        Assert.Equal(file["positive_label"]?.GetValue<string>(), run.PositiveLabel);
        Assert.Equal(options[student ? "distillation" : "training"]!["Seed"]!.GetValue<int>(), run.Seed);
        foreach ((string split, JsonNode? values) in file["metrics"]!.AsObject())
        {
            Assert.Equal(values!.AsObject().Select(m => (m.Key, m.Value!.GetValue<double>())), run.MetricsOf(split).ByName.Select(m => (m.Key, m.Value)));
        }
        Assert.Equal(file["metrics"]!.AsObject().Select(s => s.Key), run.Metrics.Keys);
        Assert.Equal(File.ReadAllLines(Path.Combine(folder, "metrics.jsonl")).Count(l => l.Length > 0), run.Log.Count);
        if (!student)
        {
            Assert.Null(run.KdLoss);
            Assert.Null(run.Ptp);
            Assert.Null(run.Plan);
            Assert.Null(run.InitFrom);
            return;
        }
        JsonNode kd = file["stages"]!["kd"]!;
        Assert.Equal(new KdSettings(kd["alpha"]!.GetValue<double>(), kd["temperature"]!.GetValue<double>(), kd["beta"]!.GetValue<double>()), run.KdLoss);
        Assert.Equal(file["plan"]!.GetValue<string>(), run.Plan);
        Assert.Equal(file["init"]!["from"]!.GetValue<string>(), run.InitFrom);
        Assert.Equal(file["ptp"]!.GetValue<bool>(), run.Ptp is not null);
        if (file["stages"]!["ptp"] is JsonObject ptp)
        {
            Assert.Equal(ptp["t1"]!.GetValue<double>(), run.Ptp!.T1);
            Assert.Equal(ptp["t2"]!.GetValue<double>(), run.Ptp.T2);
            Assert.Equal(ptp["train_label_counts"]!.AsArray().Select(c => c!.GetValue<int>()), run.Ptp.TrainLabelCounts);
            Assert.Equal(ptp["best_dev_loss"]!.GetValue<double>(), run.Ptp.BestDevLoss);
            Assert.Equal(ptp["dev_prior_loss"]!.GetValue<double>(), run.Ptp.DevPriorLoss);
            Assert.Equal(ptp["dev_prior_entropy"]!.GetValue<double>(), run.Ptp.DevPriorEntropy);
            Assert.Equal(ptp["learned"]!.GetValue<bool>(), run.Ptp.Learned);
        }
    }

    private static RunSummary Older(string name) => RunSummary.Read(TestFiles.Fixture("records", "older", name));

    [Fact]
    public void The_first_pipelines_summary_reads_with_the_teacher_as_the_start_and_PTP_figures_it_did_not_record_unknown()
    {
        // 40fc5c2 to b9f160b: a summary built as a dictionary, the teacher's dev metrics under teacher.dev, no init
        RunSummary run = Older("first-pipeline-student");
        Assert.Equal(("PeaBert2", true, "0 1 0' 1'", 2, 4), (run.Model, run.IsStudent, run.Plan, run.OwnedLayers, run.EffectiveDepth));
        Assert.Equal(new KdSettings(0.7, 10, 100), run.KdLoss);
        Assert.Equal(2, run.Seed);
        Assert.Equal("teacher", run.InitFrom); // students started from the teacher before the choice existed
        Assert.Equal((15615360L, 400.75), (run.Parameters, run.TrainingSeconds));
        Assert.Equal([("accuracy", 0.79), ("f1", 0.845)], run.MetricsOf("dev").ByName.Select(m => (m.Key, m.Value)));
        Assert.Equal([("accuracy", 0.802), ("f1", 0.851)], run.MetricsOf("test").ByName.Select(m => (m.Key, m.Value)));
        Assert.Null(run.PositiveLabel);
        Assert.Equal(3, run.Log.Count);
        Assert.Equal((0.91, 0.83), (run.Ptp!.T1, run.Ptp.T2));
        Assert.Equal([1530, 1530, 220, 220], run.Ptp.TrainLabelCounts);
        Assert.True(double.IsNaN(run.Ptp.DevPriorLoss) && double.IsNaN(run.Ptp.DevPriorEntropy), "figures this version did not record read as unknown");
        Assert.False(run.Ptp.Learned);
    }

    [Fact]
    public void The_first_finetune_summary_reads_as_a_teacher()
    {
        // 9874262 to b9f160b: peakd finetune's own summary, with no folder, stage or device
        RunSummary run = Older("first-finetune-teacher");
        Assert.Equal(("teacher", false, 6, 6, 22713216L), (run.Model, run.IsStudent, run.OwnedLayers, run.EffectiveDepth, run.Parameters));
        Assert.Equal(642.5, run.TrainingSeconds);
        Assert.Equal(7, run.Seed);
        Assert.Null(run.KdLoss);
        Assert.Null(run.Ptp);
        Assert.Null(run.Plan);
        Assert.Null(run.InitFrom);
        Assert.Equal([("accuracy", 0.836), ("f1", 0.8781575037147102)], run.MetricsOf("test").ByName.Select(m => (m.Key, m.Value)));
        Assert.Single(run.Log);
    }

    [Fact]
    public void The_typed_summary_before_the_init_choice_reads_with_the_KD_weights_its_stage_used()
    {
        // b9f160b to 01bb9aa: DistillationResult without init, PTP without its priors; its KD stage ran with beta 0
        // though options.json asked for 100
        RunSummary run = Older("typed-before-init-student");
        Assert.Equal(("PeaBert1", "0 0'", 1, 2, 13840896L, 221.0), (run.Model, run.Plan, run.OwnedLayers, run.EffectiveDepth, run.Parameters, run.TrainingSeconds));
        Assert.Equal(new KdSettings(0.7, 10, 0), run.KdLoss); // the stage's, not options.json's
        Assert.Equal(3, run.Seed);
        Assert.Equal("teacher", run.InitFrom);
        Assert.Equal((0.95, 0.7), (run.Ptp!.T1, run.Ptp.T2));
        Assert.Equal([1600, 1460, 250, 190], run.Ptp.TrainLabelCounts);
        Assert.True(double.IsNaN(run.Ptp.DevPriorLoss));
        Assert.Empty(run.Log);
    }

    [Fact]
    public void A_summary_without_stages_takes_the_KD_weights_from_its_options()
    {
        RunSummary run = Older("no-stages-student");
        Assert.Equal(("PeaBert1", true, 1000L, 2, 12.5), (run.Model, run.IsStudent, run.Parameters, run.EffectiveDepth, run.TrainingSeconds));
        Assert.Equal(0.5, run.KdLoss!.Alpha);
        Assert.Equal(4, run.KdLoss.Temperature);
        Assert.True(double.IsNaN(run.KdLoss.Beta), "a weight neither file records is unknown");
        Assert.Equal(5, run.Seed);
        Assert.Equal("teacher", run.InitFrom);
        Assert.Null(run.Plan);
        Assert.NotNull(run.Ptp); // it says PTP ran, though no stage records what PTP did
        Assert.True(double.IsNaN(run.Ptp!.T1));
        Assert.Empty(run.Ptp.TrainLabelCounts);
        Assert.Equal([("accuracy", 0.8)], run.MetricsOf("test").ByName.Select(m => (m.Key, m.Value)));
    }
}
