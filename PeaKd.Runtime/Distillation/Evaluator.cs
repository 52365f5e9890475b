using System.Globalization;
using System.Text;
using PeaKd.Data;
using PeaKd.Data.Batching;
using PeaKd.Data.Metrics;
using PeaKd.Data.Tokenization;
using PeaKd.Modeling;
using static TorchSharp.torch;

namespace PeaKd.Distillation;

/// <summary>Runs a model over a split and scores it with the task's metrics.</summary>
public static class Evaluator
{
    /// <summary>The model's logits for every example, in data order ([examples][labels]).</summary>
    public static float[][] Logits(BertClassifier model, IReadOnlyList<EncodedExample> features, int paddingId, int batchSize, Device device)
    {
        model.eval();
        var logits = new float[features.Count][];
        using var noGrad = no_grad();
        foreach (int[] indices in Batcher.Order(features, batchSize, shuffleSeed: null))
        {
            using var scope = NewDisposeScope();
            using Batch batch = Batcher.Collate(features, indices, paddingId, device);
            using ClassifierOutput output = model.forward(batch.InputIds, batch.AttentionMask, batch.TokenTypeIds);
            float[] values = output.Logits.to(ScalarType.Float32).cpu().data<float>().ToArray();
            int width = (int)output.Logits.shape[1];
            for (int row = 0; row < indices.Length; row++)
            {
                logits[indices[row]] = values.AsSpan(row * width, width).ToArray();
            }
        }
        return logits;
    }

    /// <summary>Predictions (class id or score) and, when the split has labels, the task's metrics.</summary>
    public static (double[] Predictions, IReadOnlyDictionary<string, double>? Metrics) Score(TaskData data, IReadOnlyList<EncodedExample> features, float[][] logits)
    {
        double[] predictions = logits.Select(row => data.Task.IsRegression ? (double)row[0] : ArgMax(row)).ToArray();
        bool labelled = features.All(f => f.Label is not null || f.Target is not null);
        if (!labelled)
        {
            return (predictions, null);
        }
        double[] gold = features.Select(f => data.Task.IsRegression ? (double)f.Target!.Value : f.Label!.Value).ToArray();
        return (predictions, TaskMetrics.Compute(data.Task, predictions, gold));
    }

    /// <summary>Evaluates a split: metrics (when labelled) and a predictions file (index, prediction, gold).</summary>
    public static IReadOnlyDictionary<string, double>? Evaluate(BertClassifier model, TaskData data, string split, Device device, int batchSize, string? predictionsFile)
    {
        IReadOnlyList<EncodedExample> features = data.Splits[split].Features;
        float[][] logits = Logits(model, features, data.Encoder.PaddingTokenId, batchSize, device);
        (double[] predictions, IReadOnlyDictionary<string, double>? metrics) = Score(data, features, logits);
        if (predictionsFile is not null)
        {
            var text = new StringBuilder("index\tprediction\tgold\n");
            for (int i = 0; i < predictions.Length; i++)
            {
                text.Append(i).Append('\t').Append(Format(data, predictions[i])).Append('\t')
                    .Append(features[i].Label is int label ? data.Labels[label] : features[i].Target?.ToString(CultureInfo.InvariantCulture) ?? "").Append('\n');
            }
            AtomicFile.WriteAllText(predictionsFile, text.ToString());
        }
        return metrics;
    }

    /// <summary>The metric that picks the best checkpoint (the task's first).</summary>
    public static double MainScore(TaskData data, IReadOnlyDictionary<string, double> metrics) =>
        metrics[TaskMetrics.Name(data.Task.Metrics[0])];

    private static string Format(TaskData data, double prediction) =>
        data.Task.IsRegression ? prediction.ToString("G6", CultureInfo.InvariantCulture) : data.Labels[(int)prediction];

    private static int ArgMax(float[] row)
    {
        int best = 0;
        for (int i = 1; i < row.Length; i++)
        {
            if (row[i] > row[best])
            {
                best = i;
            }
        }
        return best;
    }
}
