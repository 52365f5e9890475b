using System.Text.Json.Nodes;
using PeaKd.Data;
using PeaKd.Data.Tokenization;
using PeaKd.Inference;
using PeaKd.Modeling;
using PeaKd.Runs;
using PeaKd.Students;
using PeaKd.Training;
using static TorchSharp.torch;

namespace PeaKd.Distillation;

/// <summary>What PTP labelled: thresholds and how many examples of train and dev fell in each of the four classes.</summary>
internal sealed record PtpLabelStats(double T1, double T2, int[] TrainCounts, int[] DevCounts)
{
    /// <summary>The entropy of train's class frequencies (nats).</summary>
    public double TrainPriorEntropy => PtpLabels.Entropy(TrainCounts);

    /// <summary>The entropy of dev's class frequencies: the lowest dev loss of any constant prediction.</summary>
    public double DevPriorEntropy => PtpLabels.Entropy(DevCounts);

    /// <summary>The dev loss of predicting train's class frequencies for every example: the bar PTP must clear.</summary>
    public double DevPriorLoss => PtpLabels.CrossEntropy(DevCounts, TrainCounts);

    /// <summary>metrics.jsonl's row at the stage's step 0.</summary>
    public JsonObject ToJson() => new()
    {
        ["t1"] = T1,
        ["t2"] = T2,
        ["train_label_counts"] = new JsonArray(TrainCounts.Select(c => (JsonNode)c).ToArray()),
        ["dev_label_counts"] = new JsonArray(DevCounts.Select(c => (JsonNode)c).ToArray()),
        ["train_prior_entropy"] = TrainPriorEntropy,
        ["dev_prior_entropy"] = DevPriorEntropy,
        ["dev_prior_loss"] = DevPriorLoss,
    };
}

/// <summary>PTP's outcome: its labels and its training.</summary>
internal sealed record PtpSummary(PtpLabelStats Labels, TrainingResult Training);

/// <summary>
/// Stage 4: pretraining with the teacher's predictions. The student (SPS already applied) learns a 4-class task
/// (teacher right or wrong, confident or not) with plain cross-entropy; the checkpoint with the lowest dev PTP
/// loss is kept. Its encoder then gets a fresh task classifier.
/// </summary>
internal static class PtpPretrainer
{
    public const string StageName = "ptp";

    /// <param name="stage">The stage: its training options (lr 2e-5, 2-4 epochs in the paper) and the run it trains in.</param>
    /// <param name="student">A student built with <see cref="PtpLabels.Classes"/> labels, initialised from the teacher, on the device.</param>
    /// <param name="data">The task data.</param>
    /// <param name="trainRecord">The teacher record of train.</param>
    /// <param name="devRecord">The teacher record of dev.</param>
    /// <param name="thresholds">median, paper or explicit.</param>
    public static PtpSummary Run(RunStage stage, StudentModel student, TaskData data, TeacherRecord trainRecord, TeacherRecord devRecord, PtpThresholds thresholds)
    {
        if (data.Task.IsRegression)
        {
            throw new InvalidOperationException($"PTP needs right and wrong teacher predictions; {data.Task.Name} is a regression task.");
        }
        int[] trainGold = data.Train.Select(f => f.Label!.Value).ToArray();
        (int[] predicted, double[] confidence) = PtpLabels.Predictions(trainRecord.Logits);
        (double t1, double t2) = PtpLabels.Thresholds(thresholds, data.Task.Name, predicted, confidence, trainGold);
        int[] trainLabels = PtpLabels.Assign(predicted, confidence, trainGold, t1, t2);

        int[] devGold = data.Dev.Select(f => f.Label!.Value).ToArray();
        (int[] devPredicted, double[] devConfidence) = PtpLabels.Predictions(devRecord.Logits);
        int[] devLabels = PtpLabels.Assign(devPredicted, devConfidence, devGold, t1, t2);

        List<EncodedExample> train = Relabel(data.Train, trainLabels);
        List<EncodedExample> dev = Relabel(data.Dev, devLabels);
        var stats = new PtpLabelStats(t1, t2, PtpLabels.Counts(trainLabels), PtpLabels.Counts(devLabels));
        double priorLoss = stats.DevPriorLoss;
        stage.Note($"ptp: t1 {t1:F4}, t2 {t2:F4}; labels train {string.Join(" / ", stats.TrainCounts)}, dev {string.Join(" / ", stats.DevCounts)} (right+confident / right+unsure / wrong+confident / wrong+unsure); train's label frequencies alone score dev loss {priorLoss:F4}");

        TrainingResult result = stage.Train(student, train, data.Encoder.PaddingTokenId,
            batch => SupervisedLoss.Compute(student, batch),
            () => DevLoss(student, dev, data.Encoder.PaddingTokenId, stage.Device, stage.Options.EvalBatchSize), stats.ToJson());
        if (result.BestMetrics?.GetValueOrDefault("ptp_loss") is double best)
        {
            stage.Note($"ptp: best dev loss {best:F4} at step {result.BestStep}; {(best < priorLoss ? "below" : "not below")} the {priorLoss:F4} of train's label frequencies alone");
        }
        return new PtpSummary(stats, result);
    }

    /// <summary>The task student: the PTP-pretrained encoder with a fresh task classifier (N(0, 0.02), bias 0).</summary>
    public static void TransferEncoder(StudentModel pretrained, StudentModel taskStudent)
    {
        ModuleCopy.Copy(pretrained.Bert, taskStudent.Bert, "the PTP-pretrained encoder into the task student");
        taskStudent.ResetClassifier();
    }

    private static List<EncodedExample> Relabel(IReadOnlyList<EncodedExample> features, int[] labels) =>
        features.Select((f, i) => f with { Label = labels[i], Target = null }).ToList();

    /// <summary>Mean dev cross-entropy on the PTP labels, negated so that higher is better.</summary>
    private static EvaluationResult DevLoss(BertClassifier model, IReadOnlyList<EncodedExample> dev, int paddingId, Device device, int batchSize)
    {
        double sum = 0;
        EvaluationLoop.Run(model, dev, paddingId, batchSize, device,
            (batch, output) => sum += nn.functional.cross_entropy(output.Logits, batch.Labels!, reduction: nn.Reduction.Sum).item<float>());
        double mean = sum / dev.Count;
        return new EvaluationResult(-mean, new Dictionary<string, double> { ["ptp_loss"] = mean });
    }
}
