using System.Text.Json.Nodes;
using PeaKd.Distillation;
using PeaKd.IO;
using PeaKd.Reporting.Records;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Reporting;

/// <summary>summary.json read back into the types that wrote it: a current summary needs no upgrade and comes back
/// whole; each older shape's step does what its name says, and only to that shape.</summary>
public class SummaryUpgraderTests
{
    private static JsonObject Json(string text) => JsonNode.Parse(text)!.AsObject();

    /// <summary>Runs the step named <paramref name="name"/> alone on <paramref name="summary"/>, which it must apply to.</summary>
    private static JsonObject Upgraded(string name, string summary, string options = "{}", string folder = "/runs/x")
    {
        SummaryUpgrader.Step step = Assert.Single(SummaryUpgrader.Steps, s => s.Name == name);
        JsonObject json = Json(summary);
        Assert.True(step.Applies(json), $"'{name}' does not apply to {summary}");
        step.Apply(new SummaryUpgrader.Upgrading(json, Json(options), folder));
        Assert.False(step.Applies(json), $"'{name}' still applies after it ran");
        return json;
    }

    private static bool Applies(string name, string summary) => SummaryUpgrader.Steps.Single(s => s.Name == name).Applies(Json(summary));

    private static void AssertJson(string expected, JsonNode actual) =>
        Assert.True(JsonNode.DeepEquals(Json(expected), actual), $"expected {expected}, got {actual.ToJsonString()}");

    [Theory]
    [InlineData("distillation-summary.json")]
    [InlineData("finetune-summary.json")]
    public void A_current_summary_needs_no_step_and_reads_back_into_the_result_that_writes_it_byte_for_byte(string name)
    {
        string path = TestFiles.Fixture("records", "expected", name);
        JsonObject summary = SummaryUpgrader.Upgrade(JsonFile.ReadSealed(path), [], "/runs/x", out IReadOnlyList<string> applied);
        Assert.Empty(applied);
        JsonObject again = name.StartsWith("distillation", StringComparison.Ordinal)
            ? JsonFile.Deserialize<DistillationResult>(summary, path, SummaryUpgrader.ReadOptions).ToJson()
            : JsonFile.Deserialize<FineTuneResult>(summary, path, SummaryUpgrader.ReadOptions).ToJson();
        using var folder = TestFiles.TempFolder();
        JsonFile.WriteSealed(folder.File("summary.json"), again);
        Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(folder.File("summary.json")));
    }

    [Theory]
    [MemberData(nameof(OlderRecordsTests.CommittedRecords), MemberType = typeof(OlderRecordsTests))]
    public void A_committed_record_needs_no_step_and_reads_back_whole(string relative)
    {
        string folder = Path.Combine(OlderRecordsTests.Repository(), relative);
        string path = Path.Combine(folder, "summary.json");
        JsonObject written = JsonFile.ReadSealed(path);
        JsonObject summary = SummaryUpgrader.Upgrade(written, JsonFile.ReadObject(Path.Combine(folder, "options.json")), folder, out IReadOnlyList<string> applied);
        Assert.Empty(applied); // written after the last older shape (01bb9aa); the positive label and warnings they lack are optional
        JsonObject again = written["student"] is null
            ? JsonFile.Deserialize<FineTuneResult>(summary, path, SummaryUpgrader.ReadOptions).ToJson()
            : JsonFile.Deserialize<DistillationResult>(summary, path, SummaryUpgrader.ReadOptions).ToJson();
        // what this version adds to a record written before warnings were: none (the ablation's seed 5 has its own)
        Assert.Equal(written["warnings"]?.ToJsonString() ?? "[]", again["warnings"]!.ToJsonString());
        if (written["warnings"] is null)
        {
            again.Remove("warnings");
        }
        Assert.True(JsonNode.DeepEquals(written, again), $"{path} does not read back whole: {again.ToJsonString()}");
    }

    [Fact]
    public void The_steps_have_distinct_names()
    {
        Assert.Equal(5, SummaryUpgrader.Steps.Select(s => s.Name).Distinct().Count());
    }

    [Theory]
    [InlineData("first-pipeline-student", new[] { "teacher metrics by split", "students started from the teacher", "PTP figures not recorded" })]
    [InlineData("first-finetune-teacher", new[] { "fine-tuning stage from its totals" })]
    [InlineData("typed-before-init-student", new[] { "students started from the teacher", "PTP figures not recorded" })]
    [InlineData("no-stages-student", new[] { "students started from the teacher", "PTP figures not recorded", "KD stage from options" })]
    public void Each_older_shape_takes_the_steps_of_its_versions(string name, string[] steps)
    {
        string folder = TestFiles.Fixture("records", "older", name);
        SummaryUpgrader.Upgrade(JsonFile.ReadSealed(Path.Combine(folder, "summary.json")), JsonFile.ReadObject(Path.Combine(folder, "options.json")), folder, out IReadOnlyList<string> applied);
        Assert.Equal(steps, applied);
    }

    [Fact]
    public void Teacher_metrics_by_split_moves_the_first_pipelines_teacher_dev_metrics_under_metrics()
    {
        AssertJson("""{"student":"Bert2","teacher":{"folder":"/t","layers":6,"metrics":{"dev":{"accuracy":0.8}}}}""",
            Upgraded("teacher metrics by split", """{"student":"Bert2","teacher":{"folder":"/t","layers":6,"dev":{"accuracy":0.8}}}"""));
        Assert.False(Applies("teacher metrics by split", """{"student":"Bert2","teacher":{"metrics":{"dev":{"accuracy":0.8}}}}"""));
        Assert.False(Applies("teacher metrics by split", """{"model":"teacher","teacher":{"dev":{}}}"""));
    }

    [Fact]
    public void Students_started_from_the_teacher_when_no_start_was_recorded()
    {
        // the layers copied: options.json's init_layers, else the first k
        AssertJson("""{"student":"Bert2","owned_layers":2,"teacher":{"folder":"/t"},"init":{"from":"teacher","folder":"/t","layers":[0,1]}}""",
            Upgraded("students started from the teacher", """{"student":"Bert2","owned_layers":2,"teacher":{"folder":"/t"}}"""));
        AssertJson("""{"student":"Bert2","owned_layers":2,"init":{"from":"teacher","layers":[3,5]}}""",
            Upgraded("students started from the teacher", """{"student":"Bert2","owned_layers":2}""", """{"init_layers":[3,5]}"""));
        Assert.False(Applies("students started from the teacher", """{"student":"Bert2","init":{"from":"pretrained","folder":"/m","layers":[0]}}"""));
        Assert.False(Applies("students started from the teacher", """{"model":"teacher"}"""));
    }

    [Fact]
    public void PTP_figures_not_recorded_read_as_unknown_and_counts_as_none()
    {
        AssertJson("""
            {"student":"PeaBert1","ptp":true,"stages":{"ptp":{"t1":0.9,"t2":0.8,"train_label_counts":[4,3,2,1],"best_dev":{"ptp_loss":1.1},
              "train_prior_entropy":"NaN","dev_prior_entropy":"NaN","dev_prior_loss":"NaN","dev_label_counts":[]}}}
            """,
            Upgraded("PTP figures not recorded", """{"student":"PeaBert1","ptp":true,"stages":{"ptp":{"t1":0.9,"t2":0.8,"train_label_counts":[4,3,2,1],"best_dev":{"ptp_loss":1.1}}}}"""));
        // a summary that says PTP ran but holds no stage: every figure unknown
        AssertJson("""{"student":"PeaBert1","ptp":true,"stages":{"ptp":{"t1":"NaN","t2":"NaN","train_prior_entropy":"NaN","dev_prior_entropy":"NaN","dev_prior_loss":"NaN","train_label_counts":[],"dev_label_counts":[]}}}""",
            Upgraded("PTP figures not recorded", """{"student":"PeaBert1","ptp":true}"""));
        Assert.False(Applies("PTP figures not recorded", """{"student":"PeaBert1","ptp":false}"""));
    }

    [Fact]
    public void A_KD_stage_from_options_takes_the_weights_asked_for_only_where_the_summary_has_no_stage()
    {
        AssertJson("""{"student":"Bert1","stages":{"kd":{"alpha":0.5,"temperature":4,"beta":"NaN"}}}""",
            Upgraded("KD stage from options", """{"student":"Bert1"}""", """{"alpha":0.5,"temperature":4}"""));
        // a KD stage's missing weight is unknown, not the one options.json asked for (the stage may have used another)
        AssertJson("""{"student":"Bert1","stages":{"kd":{"alpha":0.7,"temperature":10,"beta":"NaN"}}}""",
            Upgraded("KD stage from options", """{"student":"Bert1","stages":{"kd":{"alpha":0.7,"temperature":10}}}""", """{"beta":100}"""));
        Assert.False(Applies("KD stage from options", """{"student":"Bert1","stages":{"kd":{"alpha":0.7,"temperature":10,"beta":0}}}"""));
        var error = Assert.Throws<CorruptFileException>(() => Upgraded("KD stage from options", """{"student":"Bert1"}""", """{"alpha":"high"}"""));
        Assert.Contains(Path.Combine("/runs/x", "options.json"), error.Message);
    }

    [Fact]
    public void A_first_finetune_summary_gets_its_stage_from_the_totals_and_its_folder()
    {
        AssertJson("""{"model":"teacher","training_seconds":5.5,"examples_per_second":2,"stage":{"seconds":5.5,"examples_per_second":2},"folder":"/runs/x","precision":"fp32"}""",
            Upgraded("fine-tuning stage from its totals", """{"model":"teacher","training_seconds":5.5,"examples_per_second":2}"""));
        AssertJson("""{"model":"teacher","precision":"bf16","stage":{},"folder":"/runs/x"}""",
            Upgraded("fine-tuning stage from its totals", """{"model":"teacher","precision":"bf16"}"""));
        Assert.False(Applies("fine-tuning stage from its totals", """{"model":"teacher","stage":{"seconds":1}}"""));
        Assert.False(Applies("fine-tuning stage from its totals", """{"student":"Bert1"}"""));
    }
}
