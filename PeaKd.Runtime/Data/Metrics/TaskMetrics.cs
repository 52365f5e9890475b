using PeaKd.Data.Tasks;

namespace PeaKd.Data.Metrics;

/// <summary>GLUE's metrics: accuracy, F1 of class 1, Matthews correlation, Pearson and Spearman correlation.</summary>
internal static class TaskMetrics
{
    /// <summary>Every metric of <paramref name="task"/>, by name (accuracy, f1, mcc, pearson, spearman).</summary>
    /// <param name="task">The task: its metrics.</param>
    /// <param name="predictions">Class ids or scores.</param>
    /// <param name="gold">The labels' ids or scores.</param>
    /// <param name="positive">The id of the class F1 and the binary counts take as positive.</param>
    public static IReadOnlyDictionary<string, double> Compute(TaskDefinition task, IReadOnlyList<double> predictions, IReadOnlyList<double> gold, int positive = 1)
    {
        if (predictions.Count != gold.Count || gold.Count == 0)
        {
            throw new ArgumentException($"Metrics need as many predictions as gold labels (got {predictions.Count} and {gold.Count}), at least one.");
        }
        var results = new Dictionary<string, double>();
        foreach (Metric metric in task.Metrics)
        {
            results[Name(metric)] = metric switch
            {
                Metric.Accuracy => Accuracy(predictions, gold),
                Metric.F1 => F1(predictions, gold, positive),
                Metric.Matthews => Matthews(predictions, gold, positive),
                Metric.Pearson => Pearson(predictions, gold),
                Metric.Spearman => Spearman(predictions, gold),
                _ => throw new ArgumentOutOfRangeException(nameof(task)),
            };
        }
        return results;
    }

    public static string Name(Metric metric) => metric switch
    {
        Metric.Accuracy => "accuracy",
        Metric.F1 => "f1",
        Metric.Matthews => "mcc",
        Metric.Pearson => "pearson",
        Metric.Spearman => "spearman",
        _ => metric.ToString(),
    };

    public static double Accuracy(IReadOnlyList<double> predictions, IReadOnlyList<double> gold) =>
        predictions.Zip(gold).Count(p => p.First == p.Second) / (double)gold.Count;

    /// <summary>F1 of the positive class (id <paramref name="positive"/>; GLUE's label 1 for MRPC and QQP); 0 when there are no true positives.</summary>
    public static double F1(IReadOnlyList<double> predictions, IReadOnlyList<double> gold, int positive = 1)
    {
        (long tp, long fp, long fn, _) = Confusion(predictions, gold, positive);
        return tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);
    }

    /// <summary>Matthews correlation of binary predictions; 0 when a row or column of the confusion matrix is empty.</summary>
    public static double Matthews(IReadOnlyList<double> predictions, IReadOnlyList<double> gold, int positive = 1)
    {
        (long tp, long fp, long fn, long tn) = Confusion(predictions, gold, positive);
        double denominator = Math.Sqrt((double)(tp + fp) * (tp + fn) * (tn + fp) * (tn + fn));
        return denominator == 0 ? 0 : (tp * (double)tn - fp * (double)fn) / denominator;
    }

    public static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        double meanX = x.Average(), meanY = y.Average();
        double covariance = 0, varianceX = 0, varianceY = 0;
        for (int i = 0; i < x.Count; i++)
        {
            double dx = x[i] - meanX, dy = y[i] - meanY;
            covariance += dx * dy;
            varianceX += dx * dx;
            varianceY += dy * dy;
        }
        return varianceX == 0 || varianceY == 0 ? 0 : covariance / Math.Sqrt(varianceX * varianceY);
    }

    /// <summary>Pearson correlation of the ranks, ties sharing their average rank (as scipy.stats.spearmanr).</summary>
    public static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y) => Pearson(Ranks(x), Ranks(y));

    private static double[] Ranks(IReadOnlyList<double> values)
    {
        int[] order = Enumerable.Range(0, values.Count).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Count];
        for (int start = 0; start < order.Length;)
        {
            int end = start;
            while (end + 1 < order.Length && values[order[end + 1]] == values[order[start]])
            {
                end++;
            }
            double rank = (start + end) / 2.0 + 1;
            for (int k = start; k <= end; k++)
            {
                ranks[order[k]] = rank;
            }
            start = end + 1;
        }
        return ranks;
    }

    private static (long TruePositive, long FalsePositive, long FalseNegative, long TrueNegative) Confusion(IReadOnlyList<double> predictions, IReadOnlyList<double> gold, int positive)
    {
        long tp = 0, fp = 0, fn = 0, tn = 0;
        for (int i = 0; i < gold.Count; i++)
        {
            bool predicted = predictions[i] == positive, actual = gold[i] == positive;
            if (predicted && actual) tp++;
            else if (predicted) fp++;
            else if (actual) fn++;
            else tn++;
        }
        return (tp, fp, fn, tn);
    }
}
