using PeaKd.Distillation;
using PeaKd.Options;
using PeaKd.Training;
using Xunit;
using static TorchSharp.torch;
using PeaKd.Tests.Infrastructure;

namespace PeaKd.Tests.Distillation;

/// <summary>The KD loss terms against hand computations in double precision.</summary>
[Collection(TrainingCollection.Name)]
public class KdLossTests
{
    private static readonly double[][] Student = [[1.0, 2.0, 0.5], [0.2, -1.0, 3.0]];
    private static readonly double[][] Teacher = [[2.0, 1.0, 0.0], [0.0, 0.5, 2.5]];

    private static Tensor T(double[][] rows) => tensor(rows.SelectMany(r => r).Select(v => (float)v).ToArray(), [rows.Length, rows[0].Length]);

    private static double[] Softmax(double[] logits, double temperature)
    {
        double[] scaled = logits.Select(l => l / temperature).ToArray();
        double max = scaled.Max();
        double[] exps = scaled.Select(s => Math.Exp(s - max)).ToArray();
        return exps.Select(e => e / exps.Sum()).ToArray();
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(10.0)]
    [InlineData(2.5)]
    public void The_soft_term_is_batch_mean_KL_times_T_squared(double temperature)
    {
        double expected = 0;
        for (int b = 0; b < Student.Length; b++)
        {
            double[] p = Softmax(Teacher[b], temperature), q = Softmax(Student[b], temperature);
            expected += p.Select((pi, i) => pi * (Math.Log(pi) - Math.Log(q[i]))).Sum();
        }
        expected = expected / Student.Length * temperature * temperature;

        using Tensor soft = KdLoss.SoftTargets(T(Student), T(Teacher), temperature);
        Assert.Equal(expected, soft.item<float>(), 5);
        Assert.True(expected > 0);
    }

    [Fact]
    public void The_patient_term_is_the_MSE_of_L2_normalised_CLS_vectors()
    {
        double[][] s0 = [[3, 4], [1, 0]], s1 = [[0, 2], [1, 1]];
        double[][] t0 = [[1, 0], [0, 5]], t1 = [[0, 1], [2, 2]];
        static double[] Unit(double[] v) { double n = Math.Sqrt(v.Sum(x => x * x)); return v.Select(x => x / n).ToArray(); }
        double sum = 0;
        foreach ((double[][] s, double[][] t) in new[] { (s0, t0), (s1, t1) })
        {
            for (int b = 0; b < 2; b++)
            {
                double[] a = Unit(s[b]), c = Unit(t[b]);
                sum += a.Select((x, i) => (x - c[i]) * (x - c[i])).Sum();
            }
        }
        double expected = sum / (2 * 2 * 2); // batch x layers x hidden

        using Tensor patient = KdLoss.Patient([T(s0), T(s1)], [T(t0), T(t1)]);
        Assert.Equal(expected, patient.item<float>(), 6);
    }

    [Fact]
    public void The_total_weights_the_terms_with_alpha_and_beta()
    {
        using var labels = tensor(new long[] { 0, 2 });
        Tensor[] cls = [T([[1, 2], [3, 4]])];
        Tensor[] teacherCls = [T([[2, 1], [4, 3]])];
        var settings = new KdSettings(0.7, 10, 100);
        LossTerms terms = KdLoss.Compute(settings, T(Student), T(Teacher), labels, null, cls, teacherCls);

        double soft = terms.Parts["soft"].item<float>(), hard = terms.Parts["hard"].item<float>(), patient = terms.Parts["patient"].item<float>();
        double ce = (-Math.Log(Softmax(Student[0], 1)[0]) - Math.Log(Softmax(Student[1], 1)[2])) / 2;
        Assert.Equal(ce, hard, 5);
        Assert.Equal(0.7 * soft + 0.3 * hard + 100 * patient, terms.Total.item<float>(), 3);

        LossTerms fineTune = KdLoss.Compute(KdSettings.FineTune, T(Student), T(Teacher), labels, null, cls, teacherCls);
        Assert.Equal(["hard"], fineTune.Parts.Keys);
        Assert.Equal(ce, fineTune.Total.item<float>(), 5);
    }

    [Fact]
    public void Regression_uses_MSE_for_both_terms()
    {
        using var student = tensor(new float[] { 1, 2 }).reshape(2, 1);
        using var teacher = tensor(new float[] { 1.5f, 1 }).reshape(2, 1);
        using var gold = tensor(new float[] { 0, 2 });
        LossTerms terms = KdLoss.Compute(new KdSettings(0.5, 1, 0), student, teacher, null, gold, [], []);
        Assert.Equal((0.25 + 1) / 2, terms.Parts["soft"].item<float>(), 6);
        Assert.Equal((1 + 0) / 2.0, terms.Parts["hard"].item<float>(), 6);
        Assert.Equal(0.5 * 0.625 + 0.5 * 0.5, terms.Total.item<float>(), 6);
    }

    [Fact]
    public void Presets_have_the_papers_values()
    {
        Assert.Equal(new KdSettings(0.7, 10, 100), KdSettings.Pkd);
        Assert.Equal(new KdSettings(0.7, 10, 0), KdSettings.Kd);
        Assert.Equal(new KdSettings(0, 1, 0), KdSettings.FineTune);
        Assert.Equal(KdSettings.Pkd, PeaKd.Samples.Cli.DistillCommand.Preset("PKD")); // the CLI's --preset names them
        var error = Assert.Throws<ArgumentException>(() => PeaKd.Samples.Cli.DistillCommand.Preset("tinybert"));
        Assert.Contains("use one of ft, kd, pkd", error.Message);
    }

    [Theory]
    [InlineData(1.5, 10, 0, "KdSettings.Alpha must be in [0, 1], got 1.5.")]
    [InlineData(double.NaN, 10, 0, "KdSettings.Alpha must be in [0, 1], got NaN.")]
    [InlineData(0.5, 0, 0, "KdSettings.Temperature must be a positive finite number, got 0.")]
    [InlineData(0.5, double.PositiveInfinity, 0, "KdSettings.Temperature must be a positive finite number, got Infinity.")]
    [InlineData(0.5, 10, -1, "KdSettings.Beta must be a finite number of at least 0, got -1.")]
    public void Invalid_weights_name_the_property_and_the_value(double alpha, double temperature, double beta, string message)
    {
        var error = Assert.Throws<InvalidOptionException>(() => new KdSettings(alpha, temperature, beta).Validate());
        Assert.Equal(message, error.Message);
    }
}
