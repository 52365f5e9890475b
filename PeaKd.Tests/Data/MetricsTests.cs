using PeaKd.Data.Metrics;
using PeaKd.Data.Tasks;
using Xunit;

namespace PeaKd.Tests.Data;

/// <summary>Metrics against hand computations.</summary>
public class MetricsTests
{
    // predictions vs gold: TP = 3 (rows 0,1,2), FP = 1 (row 3), FN = 2 (rows 4,5), TN = 2 (rows 6,7)
    private static readonly double[] Predicted = [1, 1, 1, 1, 0, 0, 0, 0];
    private static readonly double[] Gold = [1, 1, 1, 0, 1, 1, 0, 0];

    [Fact]
    public void Accuracy_F1_and_Matthews_match_the_confusion_matrix()
    {
        Assert.Equal(5.0 / 8, TaskMetrics.Accuracy(Predicted, Gold), 12);
        Assert.Equal(2.0 * 3 / (2 * 3 + 1 + 2), TaskMetrics.F1(Predicted, Gold), 12); // 6/9
        double mcc = (3.0 * 2 - 1.0 * 2) / Math.Sqrt(4.0 * 5 * 3 * 4); // (TP TN - FP FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN))
        Assert.Equal(mcc, TaskMetrics.Matthews(Predicted, Gold), 12);
    }

    [Fact]
    public void Matthews_is_zero_when_one_class_is_never_predicted()
    {
        Assert.Equal(0, TaskMetrics.Matthews([0, 0, 0], [1, 0, 1]));
        Assert.Equal(0, TaskMetrics.F1([0, 0, 0], [1, 0, 1]));
    }

    [Fact]
    public void Pearson_and_Spearman_match_hand_computations()
    {
        double[] x = [1, 2, 3, 4, 5];
        double[] y = [2, 4, 5, 4, 5];
        // means 3 and 4; deviations x: -2 -1 0 1 2, y: -2 0 1 0 1; sum xy = 4 + 0 + 0 + 0 + 2 = 6; sxx = 10, syy = 6
        Assert.Equal(6 / Math.Sqrt(10 * 6), TaskMetrics.Pearson(x, y), 12);
        // ranks of y with ties averaged: 1, 2.5, 4.5, 2.5, 4.5 (mean 3; deviations -2, -0.5, 1.5, -0.5, 1.5) against x's
        // ranks 1..5 (deviations -2..2): sum xy = 4 + 0.5 + 0 - 0.5 + 3 = 7, sxx = 10, syy = 4 + 0.25 + 2.25 + 0.25 + 2.25 = 9
        Assert.Equal(7 / Math.Sqrt(10 * 9), TaskMetrics.Spearman(x, y), 12);
        Assert.Equal(1.0, TaskMetrics.Spearman([1, 2, 3], [10, 200, 3000]), 12);
    }

    [Fact]
    public void Each_task_reports_its_GLUE_metrics()
    {
        Assert.Equal(["f1", "accuracy"], TaskMetrics.Compute(TaskRegistry.Resolve("MRPC"), Predicted, Gold).Keys);
        Assert.Equal(["mcc"], TaskMetrics.Compute(TaskRegistry.Resolve("CoLA"), Predicted, Gold).Keys);
        Assert.Equal(["pearson", "spearman"], TaskMetrics.Compute(TaskRegistry.Resolve("STS-B"), [1, 2, 3.5], [1.5, 2, 3]).Keys);
        Assert.Equal(["accuracy"], TaskMetrics.Compute(TaskRegistry.Resolve("SST-2"), Predicted, Gold).Keys);
    }
}
