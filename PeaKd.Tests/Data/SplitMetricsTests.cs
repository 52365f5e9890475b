using System.Text.Json;
using PeaKd.Data.Metrics;
using Xunit;

namespace PeaKd.Tests.Data;

/// <summary>Typed metrics: a task's metrics by property, null for those it lacks, written as the JSON object of
/// numbers summary.json always held, in the task's order.</summary>
public class SplitMetricsTests
{
    private static SplitMetrics Of(params (string Name, double Value)[] values) => new(values.Select(v => KeyValuePair.Create(v.Name, v.Value)));

    [Fact]
    public void Each_metric_has_its_property_and_those_the_task_lacks_are_null()
    {
        SplitMetrics mrpc = Of(("f1", 0.75), ("accuracy", 0.5));
        Assert.Equal((0.75, 0.5), (mrpc.F1, mrpc.Accuracy));
        Assert.Null(mrpc.Mcc);
        Assert.Null(mrpc.Pearson);
        Assert.Null(mrpc.Loss);
        SplitMetrics stsb = Of(("pearson", 0.9), ("spearman", 0.8), ("loss", 0.25));
        Assert.Equal((0.9, 0.8, 0.25), (stsb.Pearson, stsb.Spearman, stsb.Loss));
        Assert.Null(stsb.Accuracy);
        Assert.Equal(0.5, Of(("mcc", 0.5)).Mcc);
        Assert.Equal(1.25, Of(("ptp_loss", 1.25)).PtpLoss);
    }

    [Fact]
    public void The_task_order_is_kept_by_name_in_JSON_and_when_read_back()
    {
        SplitMetrics mrpc = Of(("f1", 0.8571428571428571), ("accuracy", 0.1 + 0.2));
        Assert.Equal(["f1", "accuracy"], mrpc.ByName.Keys);
        string json = JsonSerializer.Serialize(mrpc);
        Assert.Equal("""{"f1":0.8571428571428571,"accuracy":0.30000000000000004}""", json);
        SplitMetrics read = JsonSerializer.Deserialize<SplitMetrics>(json)!;
        Assert.Equal(mrpc, read);
        Assert.Equal(["f1", "accuracy"], read.ByName.Keys);
        Assert.NotEqual(mrpc, Of(("accuracy", 0.1 + 0.2), ("f1", 0.8571428571428571))); // another order is another record
        Assert.Equal("{ f1 = 0.8571428571428571, accuracy = 0.30000000000000004 }", mrpc.ToString());
    }

    [Theory]
    [InlineData("""{"accuracy":"0.8"}""", "The metric 'accuracy' must be a number.")]
    [InlineData("""{"accuracy":null}""", "The metric 'accuracy' must be a number.")]
    [InlineData("""{"accuracy":0.8,"accuracy":0.9}""", "The metric 'accuracy' is given twice.")]
    [InlineData("""[0.8]""", "A split's metrics must be an object of numbers.")]
    public void Metrics_that_are_not_an_object_of_numbers_are_refused_naming_the_metric(string json, string message) =>
        Assert.StartsWith(message, Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<SplitMetrics>(json)).Message);
}
