using static TorchSharp.torch;

namespace PeaKd.Distillation;

/// <summary>
/// PTP labels from the teacher's predictions: 0 correct and confident (> t1), 1 correct and unsure,
/// 2 wrong and confident (> t2), 3 wrong and unsure. Confidence is the top softmax probability at T = 1.
/// </summary>
internal static class PtpLabels
{
    public const int Classes = 4;

    private static readonly Dictionary<string, (double, double)> PaperPresets = new()
    {
        ["RTE"] = (0.8, 0.6),
        ["MRPC"] = (0.95, 0.75),
        ["SST-2"] = (0.98, 0.8),
        ["QNLI"] = (0.98, 0.7),
        ["CoLA"] = (0.95, 0.7),
    };

    /// <summary>The authors' thresholds for <paramref name="task"/>, or null when the paper gives none for it.</summary>
    public static (double T1, double T2)? PaperThresholds(string task) => PaperPresets.TryGetValue(task, out var preset) ? preset : null;

    /// <summary>The tasks the paper gives thresholds for.</summary>
    public static IEnumerable<string> PaperTasks => PaperPresets.Keys;

    /// <summary>The teacher's prediction and confidence for every example.</summary>
    public static (int[] Predicted, double[] Confidence) Predictions(Tensor teacherLogits)
    {
        using var scope = NewDisposeScope();
        Tensor probabilities = nn.functional.softmax(teacherLogits.to(ScalarType.Float32), 1);
        (Tensor confidence, Tensor predicted) = probabilities.max(1);
        return (predicted.data<long>().Select(p => (int)p).ToArray(), confidence.to(ScalarType.Float64).data<double>().ToArray());
    }

    /// <summary>t1 and t2 for the given mode; median is taken over the correct and the wrong predictions separately.</summary>
    public static (double T1, double T2) Thresholds(PtpThresholds mode, string task, int[] predicted, double[] confidence, int[] gold)
    {
        switch (mode.Mode)
        {
            case PtpThresholdMode.Explicit:
                return (mode.T1!.Value, mode.T2!.Value);
            case PtpThresholdMode.Paper:
                return PaperThresholds(task) ?? throw new InvalidOperationException($"The paper gives PTP thresholds only for {string.Join(", ", PaperPresets.Keys)}, not {task}.");
            default:
                double[] correct = confidence.Where((_, i) => predicted[i] == gold[i]).ToArray();
                double[] wrong = confidence.Where((_, i) => predicted[i] != gold[i]).ToArray();
                // With no wrong (or no right) prediction the other threshold is never used; 0.5 keeps it defined.
                return (correct.Length > 0 ? MedianOf(correct) : 0.5, wrong.Length > 0 ? MedianOf(wrong) : 0.5);
        }
    }

    public static int[] Assign(int[] predicted, double[] confidence, int[] gold, double t1, double t2)
    {
        var labels = new int[gold.Length];
        for (int i = 0; i < gold.Length; i++)
        {
            labels[i] = predicted[i] == gold[i]
                ? (confidence[i] > t1 ? 0 : 1)
                : (confidence[i] > t2 ? 2 : 3);
        }
        return labels;
    }

    /// <summary>How many examples fall in each of the four classes.</summary>
    public static int[] Counts(IReadOnlyList<int> labels) => Enumerable.Range(0, Classes).Select(c => labels.Count(l => l == c)).ToArray();

    /// <summary>The entropy (nats) of the class frequencies: the dev loss of a predictor that knows only how often each
    /// class occurs in that very split.</summary>
    public static double Entropy(IReadOnlyList<int> counts) => CrossEntropy(counts, counts, smoothing: 0);

    /// <summary>The mean cross-entropy (nats) on examples with <paramref name="targetCounts"/> of a constant prediction:
    /// the class frequencies of <paramref name="priorCounts"/> plus <paramref name="smoothing"/> per class (add-one by
    /// default, so a class absent from train costs a finite loss). This is the dev loss a student reaches by
    /// learning nothing but train's label frequencies; PTP learned something only below it.</summary>
    public static double CrossEntropy(IReadOnlyList<int> targetCounts, IReadOnlyList<int> priorCounts, double smoothing = 1)
    {
        double targets = targetCounts.Sum();
        double prior = priorCounts.Sum() + smoothing * priorCounts.Count;
        double loss = 0;
        for (int c = 0; c < targetCounts.Count; c++)
        {
            if (targetCounts[c] > 0)
            {
                loss -= targetCounts[c] / targets * Math.Log((priorCounts[c] + smoothing) / prior);
            }
        }
        return loss;
    }

    /// <summary>The median; for an even count, the mean of the two middle values (as numpy.median).</summary>
    public static double MedianOf(IReadOnlyList<double> values)
    {
        double[] sorted = values.Order().ToArray();
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
