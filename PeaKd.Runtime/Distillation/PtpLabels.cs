using static TorchSharp.torch;

namespace PeaKd.Distillation;

/// <summary>How PTP's confidence thresholds are chosen.</summary>
public sealed record PtpThresholds(string Mode, double? T1 = null, double? T2 = null)
{
    public static PtpThresholds Median { get; } = new("median");
    public static PtpThresholds Paper { get; } = new("paper");

    /// <summary>"median" (default), "paper" (the authors' per-task values), or "t1,t2".</summary>
    public static PtpThresholds Parse(string text)
    {
        string value = text.Trim().ToLowerInvariant();
        if (value is "median" or "paper")
        {
            return new PtpThresholds(value);
        }
        string[] parts = value.Split(',');
        if (parts.Length == 2
            && double.TryParse(parts[0], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double t1)
            && double.TryParse(parts[1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double t2)
            && t1 is > 0 and < 1 && t2 is > 0 and < 1)
        {
            return new PtpThresholds("explicit", t1, t2);
        }
        throw new ArgumentException($"--ptp-thresholds '{text}' is not valid; use median, paper, or two numbers in (0, 1) such as 0.95,0.7.");
    }
}

/// <summary>
/// PTP labels from the teacher's predictions: 0 correct and confident (> t1), 1 correct and unsure,
/// 2 wrong and confident (> t2), 3 wrong and unsure. Confidence is the top softmax probability at T = 1.
/// </summary>
public static class PtpLabels
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
            case "explicit":
                return (mode.T1!.Value, mode.T2!.Value);
            case "paper":
                return PaperPresets.TryGetValue(task, out var preset)
                    ? preset
                    : throw new ArgumentException($"The paper gives PTP thresholds only for {string.Join(", ", PaperPresets.Keys)}; use median or explicit values for {task}.");
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

    /// <summary>The median; for an even count, the mean of the two middle values (as numpy.median).</summary>
    public static double MedianOf(IReadOnlyList<double> values)
    {
        double[] sorted = values.Order().ToArray();
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
