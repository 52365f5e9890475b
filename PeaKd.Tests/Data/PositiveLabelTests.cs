using PeaKd.Data;
using PeaKd.Data.Metrics;
using PeaKd.Data.Tasks;
using PeaKd.Inference;
using PeaKd.Options;
using PeaKd.Tests.Folders;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Data;

/// <summary>F1 scores an explicit positive class, chosen from the label set and never from the order rows come in;
/// results say which; a model that answers one class for every example is reported as such.</summary>
[Collection(TrainingCollection.Name)]
public class PositiveLabelTests
{
    [Fact]
    public void F1_scores_the_positive_class_it_is_given_against_a_hand_count()
    {
        double[] predicted = [1, 1, 0, 0, 1, 0], gold = [1, 0, 0, 1, 1, 0];
        // class 1: tp 2 (rows 0, 4), fp 1 (row 1), fn 1 (row 3): F1 = 2 tp / (2 tp + fp + fn) = 4 / 6
        Assert.Equal(4.0 / 6, TaskMetrics.F1(predicted, gold, positive: 1), 12);
        double[] skewed = [1, 1, 1, 1, 1, 0];
        // class 1: tp 3 (rows 0, 3, 4), fp 2 (rows 1, 2), fn 0: 6 / 8; class 0: tp 1 (row 5), fp 0, fn 2 (rows 1, 2): 2 / 4
        Assert.Equal(6.0 / 8, TaskMetrics.F1(skewed, gold, positive: 1), 12);
        Assert.Equal(2.0 / 4, TaskMetrics.F1(skewed, gold, positive: 0), 12);
    }

    [Fact]
    public void The_default_positive_label_does_not_depend_on_row_order_and_an_unknown_one_is_refused()
    {
        TaskDefinition tsv = TaskRegistry.Tsv();
        Assert.Equal(1, tsv.PositiveLabelId(["great", "other"], "task")); // "other" sorts last
        Assert.Equal(0, tsv.PositiveLabelId(["other", "great"], "task")); // the same class, whichever came first in train
        Assert.Equal(1, tsv.PositiveLabelId(["no", "yes"], "task"));
        Assert.Equal(0, tsv.PositiveLabelId(["1", "0"], "task"));
        Assert.Equal(1, (tsv with { PositiveLabel = "great" }).PositiveLabelId(["other", "great"], "task"));
        var unknown = Assert.Throws<InvalidOptionException>(() => (tsv with { PositiveLabel = "Great" }).PositiveLabelId(["other", "great"], "PipelineOptions.Data.Task"));
        Assert.Equal("PipelineOptions.Data.Task.PositiveLabel", unknown.Property);
        // GLUE's binary tasks keep F1 of "1", as GLUE reports it; a name they do not have is refused up front
        Assert.Equal(1, TaskRegistry.Resolve("MRPC").PositiveLabelId(["0", "1"], "task"));
        Assert.Throws<InvalidOptionException>(() => (TaskRegistry.Resolve("MRPC") with { PositiveLabel = "yes" }).Validate("PipelineOptions.Data.Task"));
    }

    [Fact]
    public void Evaluation_says_which_class_F1_scores_and_warns_of_a_model_that_answers_one_class()
    {
        using TempFolder folder = TestFiles.TempFolder();
        SealedFolderTests.WriteStudent(folder.File("model"), sealedFolder: false, edit: w => w["classifier.bias"][0] = 50f); // always "great"
        Directory.CreateDirectory(folder.File("data"));
        string[] rows = ["text\tlabel", "tok10 tok20\tgreat", "tok3 tok4\tother", "tok11\tgreat", "tok5 tok6 tok7\tother"];
        File.WriteAllLines(folder.File("data/train.tsv"), rows);
        File.WriteAllLines(folder.File("data/dev.tsv"), [rows[0], .. rows.Skip(1).Reverse()]); // dev in another order
        using TextClassifier classifier = TextClassifier.Load(folder.File("model"));
        EvaluationReport report = classifier.Evaluate(DataSource.Files(TaskRegistry.Tsv(), folder.File("data")), "dev");
        Assert.Equal("other", report.PositiveLabel);
        Assert.Equal(0.5, report.Metrics!.Accuracy);
        Assert.Equal(0, report.Metrics.F1); // "other" is never predicted
        string warning = Assert.Single(report.Warnings);
        Assert.Contains("predicts 'great' for every one of the 4 examples", warning);

        EvaluationReport great = classifier.Evaluate(DataSource.Files(TaskRegistry.Tsv() with { PositiveLabel = "great" }, folder.File("data")), "dev");
        Assert.Equal(2.0 * 2 / (2 * 2 + 2 + 0), great.Metrics!.F1!.Value, 12); // tp 2, fp 2, fn 0
    }

    [Fact]
    public void A_resume_keeps_the_positive_label_an_older_run_did_not_record_but_not_one_it_chose()
    {
        using TempFolder folder = TestFiles.TempFolder();
        var asked = new System.Text.Json.Nodes.JsonObject { ["task"] = "tsv", ["positive_label"] = "great" };
        var older = new PeaKd.Runs.RunFolder(folder.File("older"));
        Directory.CreateDirectory(older.Root);
        File.WriteAllText(older.OptionsFile, "{\"task\": \"tsv\"}"); // before the positive label was recorded: F1 of train's second label
        older.SaveOptions(asked, resume: true, "PipelineOptions", olderValues: new() { ["positive_label"] = "great" }); // which "great" was
        var otherClass = Assert.Throws<InvalidOptionException>(() =>
            older.SaveOptions(asked, resume: true, "PipelineOptions", olderValues: new() { ["positive_label"] = "other" })); // train's second label was "other"
        Assert.Contains("positive_label", otherClass.Message);

        var chosen = new PeaKd.Runs.RunFolder(folder.File("chosen"));
        chosen.SaveOptions(new System.Text.Json.Nodes.JsonObject { ["task"] = "tsv", ["positive_label"] = null }, resume: false, "PipelineOptions");
        var refused = Assert.Throws<InvalidOptionException>(() => chosen.SaveOptions(asked, resume: true, "PipelineOptions"));
        Assert.Contains("positive_label", refused.Message);
    }
}
