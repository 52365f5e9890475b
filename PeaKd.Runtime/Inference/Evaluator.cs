using System.Globalization;
using System.Text;
using PeaKd.Data;
using PeaKd.Data.Metrics;
using PeaKd.Data.Tokenization;
using PeaKd.IO;
using PeaKd.Modeling;
using PeaKd.Training;
using static TorchSharp.torch;

namespace PeaKd.Inference;

/// <summary>Scores a model's outputs with the task's metrics and writes predictions files.</summary>
internal static class Evaluator
{
    /// <summary>Predictions (class id or score) and, when the split has labels, the task's metrics.</summary>
    public static (double[] Predictions, SplitMetrics? Metrics) Score(TaskData data, IReadOnlyList<EncodedExample> features, float[][] logits)
    {
        double[] predictions = logits.Select(row => data.Task.IsRegression ? (double)row[0] : ArgMax(row)).ToArray();
        bool labelled = features.All(f => f.Label is not null || f.Target is not null);
        if (!labelled)
        {
            return (predictions, null);
        }
        double[] gold = features.Select(f => data.Task.IsRegression ? (double)f.Target!.Value : f.Label!.Value).ToArray();
        return (predictions, new SplitMetrics(TaskMetrics.Compute(data.Task, predictions, gold, data.PositiveLabelId)));
    }

    /// <summary>Runs the model over a split: its metrics (when labelled) and, when asked, a predictions file.</summary>
    /// <param name="model">The model, on <paramref name="device"/>.</param>
    /// <param name="data">The task.</param>
    /// <param name="split">The split to score.</param>
    /// <param name="device">Where the model runs.</param>
    /// <param name="batchSize">Examples per forward pass.</param>
    /// <param name="predictionsFile">The predictions TSV to write, or null.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <param name="warnings">Where a warning goes when the model predicts one class for the whole split; null for none.</param>
    /// <param name="scoredModel">The model's name in the warning ("the student").</param>
    public static SplitMetrics? Evaluate(BertClassifier model, TaskData data, string split, Device device, int batchSize, string? predictionsFile,
        CancellationToken cancellationToken = default, ICollection<string>? warnings = null, string scoredModel = "the model")
    {
        IReadOnlyList<EncodedExample> features = data.Splits[split].Features;
        float[][] logits = EvaluationLoop.Logits(model, features, data.Encoder.PaddingTokenId, batchSize, device, cancellationToken);
        return ScoreAndWrite(data, features, logits, predictionsFile, warnings, $"{scoredModel} on {split}");
    }

    /// <summary>Scores logits already computed; writes the predictions file when one is named.</summary>
    /// <param name="data">The task.</param>
    /// <param name="features">The examples scored.</param>
    /// <param name="logits">Their logits.</param>
    /// <param name="predictionsFile">The predictions TSV to write, or null.</param>
    /// <param name="warnings">Where a warning goes when every prediction is one class; null for none.</param>
    /// <param name="scored">What was scored, for the warning ("the student on dev").</param>
    public static SplitMetrics? ScoreAndWrite(TaskData data, IReadOnlyList<EncodedExample> features, float[][] logits, string? predictionsFile,
        ICollection<string>? warnings = null, string scored = "the model")
    {
        (double[] predictions, SplitMetrics? metrics) = Score(data, features, logits);
        if (predictionsFile is not null)
        {
            WritePredictions(data, features, predictions, predictionsFile);
        }
        if (warnings is not null && OneClass(data, predictions) is string label)
        {
            warnings.Add($"{scored}: predicts '{label}' for every one of the {predictions.Length:N0} examples; it has not learned to tell the classes apart, whatever its accuracy (F1 and MCC of such a model say little).");
        }
        return metrics;
    }

    /// <summary>The one class every prediction names, for a classification split of two examples or more; null otherwise.</summary>
    private static string? OneClass(TaskData data, double[] predictions) =>
        !data.Task.IsRegression && data.Labels.Count > 1 && predictions.Length > 1 && predictions.All(p => p == predictions[0])
            ? data.Labels[(int)predictions[0]] : null;

    /// <summary>The dev evaluation a training stage keeps its best checkpoint by: the task's metrics and the dev loss
    /// ("loss"); the score is the main metric, or the negated loss with <see cref="DevSelection.Loss"/>.</summary>
    public static EvaluationResult DevScore(BertClassifier model, TaskData data, Device device, int batchSize, DevSelection selectBy = DevSelection.Metric)
    {
        IReadOnlyList<EncodedExample> features = data.Dev;
        float[][] logits = EvaluationLoop.Logits(model, features, data.Encoder.PaddingTokenId, batchSize, device);
        var metrics = new Dictionary<string, double>(ScoreAndWrite(data, features, logits, predictionsFile: null)?.ByName
            ?? throw new InvalidOperationException("The dev split has no labels."))
        {
            ["loss"] = Loss(data, features, logits),
        };
        return new EvaluationResult(selectBy == DevSelection.Loss ? -metrics["loss"] : MainScore(data, metrics), metrics);
    }

    /// <summary>The mean loss of the logits: cross-entropy (log-sum-exp in double), or squared error for regression.</summary>
    private static double Loss(TaskData data, IReadOnlyList<EncodedExample> features, float[][] logits)
    {
        double sum = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            float[] row = logits[i];
            if (data.Task.IsRegression)
            {
                double error = row[0] - features[i].Target!.Value;
                sum += error * error;
                continue;
            }
            double max = row.Max();
            sum += max + Math.Log(row.Sum(v => Math.Exp(v - max))) - row[features[i].Label!.Value];
        }
        return sum / logits.Length;
    }

    /// <summary>The metric that picks the best checkpoint (the task's first).</summary>
    public static double MainScore(TaskData data, IReadOnlyDictionary<string, double> metrics) =>
        metrics[TaskMetrics.Name(data.Task.Metrics[0])];

    /// <summary>predictions-{split}.tsv: index, prediction (label or score), gold.</summary>
    private static void WritePredictions(TaskData data, IReadOnlyList<EncodedExample> features, double[] predictions, string path)
    {
        var text = new StringBuilder("index\tprediction\tgold\n");
        for (int i = 0; i < predictions.Length; i++)
        {
            string prediction = data.Task.IsRegression ? predictions[i].ToString("G6", CultureInfo.InvariantCulture) : data.Labels[(int)predictions[i]];
            string gold = features[i].Label is int label ? data.Labels[label] : features[i].Target?.ToString(CultureInfo.InvariantCulture) ?? "";
            text.Append(i).Append('\t').Append(prediction).Append('\t').Append(gold).Append('\n');
        }
        AtomicFile.WriteAllText(path, text.ToString());
    }

    public static int ArgMax(IReadOnlyList<float> row)
    {
        int best = 0;
        for (int i = 1; i < row.Count; i++)
        {
            if (row[i] > row[best])
            {
                best = i;
            }
        }
        return best;
    }
}
