using PeaKd.Distillation;
using PeaKd.Options;
using PeaKd.Students;
using Xunit;
using static TorchSharp.torch;
using PeaKd.Tests.Infrastructure;

namespace PeaKd.Tests.Distillation;

[Collection(TrainingCollection.Name)]
public class PtpAndPatientMapTests
{
    [Fact]
    public void PTP_labels_and_median_thresholds_on_a_crafted_record()
    {
        // Logits built from chosen probabilities: log(p) gives softmax(log p) = p.
        double[][] probabilities =
        [
            [0.9, 0.1],   // predicts 0, gold 0: right, 0.9
            [0.6, 0.4],   // predicts 0, gold 0: right, 0.6
            [0.3, 0.7],   // predicts 1, gold 1: right, 0.7
            [0.2, 0.8],   // predicts 1, gold 1: right, 0.8
            [0.95, 0.05], // predicts 0, gold 1: wrong, 0.95
            [0.55, 0.45], // predicts 0, gold 1: wrong, 0.55
            [0.35, 0.65], // predicts 1, gold 0: wrong, 0.65
        ];
        int[] gold = [0, 0, 1, 1, 1, 1, 0];
        using Tensor logits = tensor(probabilities.SelectMany(r => r.Select(p => (float)Math.Log(p))).ToArray(), [7, 2]);

        (int[] predicted, double[] confidence) = PtpLabels.Predictions(logits);
        Assert.Equal([0, 0, 1, 1, 0, 0, 1], predicted);
        Assert.Equal(0.95, confidence[4], 5);

        (double t1, double t2) = PtpLabels.Thresholds(PtpThresholds.Median, "tsv", predicted, confidence, gold);
        Assert.Equal((0.7 + 0.8) / 2, t1, 5); // median of 0.9, 0.6, 0.7, 0.8
        Assert.Equal(0.65, t2, 5);            // median of 0.95, 0.55, 0.65

        int[] labels = PtpLabels.Assign(predicted, confidence, gold, t1, t2);
        Assert.Equal([0, 1, 1, 0, 2, 3, 3], labels);

        Assert.Equal((0.95, 0.75), PtpLabels.Thresholds(PtpThresholds.Paper, "MRPC", predicted, confidence, gold));
        Assert.Equal((0.9, 0.6), PtpLabels.Thresholds(PtpThresholds.Of(0.9, 0.6), "tsv", predicted, confidence, gold));
        Assert.Null(PtpLabels.PaperThresholds("tsv")); // the pipeline refuses Paper for such a task before anything runs
        Assert.Equal(PtpThresholds.Of(0.9, 0.6), PeaKd.Samples.Cli.DistillCommand.ParseThresholds("0.9,0.6"));
        Assert.Throws<ArgumentException>(() => PeaKd.Samples.Cli.DistillCommand.ParseThresholds("0.9"));
        Assert.Throws<ArgumentException>(() => PeaKd.Samples.Cli.DistillCommand.ParseThresholds("1.5,0.2"));
        var error = Assert.Throws<InvalidOptionException>(() => PtpThresholds.Of(1.5, 0.2).Validate());
        Assert.Equal("PtpThresholds.T1 must be in (0, 1) with Mode Explicit, got 1.5.", error.Message);
    }

    [Theory]
    [InlineData(2, 12, new[] { 5 })]              // plain k = 2, and SPS k = 1 (depth 2)
    [InlineData(3, 12, new[] { 3, 7 })]           // plain k = 3
    [InlineData(6, 12, new[] { 1, 3, 5, 7, 9 })]  // plain k = 6 and SPS k = 3
    [InlineData(4, 12, new[] { 2, 5, 8 })]        // SPS k = 2 (depth 4)
    [InlineData(1, 12, new int[0])]               // plain k = 1: no intermediate matching
    public void The_default_patient_map_is_the_papers_table(int depth, int teacherLayers, int[] expected)
    {
        PatientMap map = PatientMaps.Evenly(depth, teacherLayers);
        Assert.Equal(expected, map.TeacherLayers);
        Assert.Equal(Enumerable.Range(0, expected.Length), map.StudentLayers);
    }

    [Fact]
    public void A_declared_map_wins_and_is_checked_against_the_teacher()
    {
        var plan = new StudentPlan("S", 2, [new(0, PeaKd.Shuffle.None), new(1, PeaKd.Shuffle.None), new(0, PeaKd.Shuffle.QueryKey)], [3, 7], [0, 1]);
        Assert.Equal([3, 7], PatientMaps.For(plan, 12).TeacherLayers);
        var error = Assert.Throws<ArgumentException>(() => PatientMaps.For(plan, 6));
        Assert.Contains("names teacher layer 7, but the teacher has 6 layers", error.Message);
    }
}
