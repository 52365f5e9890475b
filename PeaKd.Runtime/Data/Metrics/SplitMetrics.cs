using System.Text.Json;
using System.Text.Json.Serialization;
using PeaKd.Options;

namespace PeaKd.Data.Metrics;

/// <summary>
/// A model's metrics on one split: <c>result.Dev.Accuracy</c>, <c>result.Test?.F1</c>. A metric the task does not
/// compute is null (STS-B has Pearson and Spearman, no accuracy). The task lists its metrics in an order, the first
/// being the one a best checkpoint is chosen by; <see cref="ByName"/> keeps that order, and summary.json writes it.
/// </summary>
[JsonConverter(typeof(SplitMetricsJson))]
public sealed record SplitMetrics
{
    private readonly Dictionary<string, double> _byName;

    /// <summary>The metrics in <paramref name="byName"/>'s order.</summary>
    internal SplitMetrics(IEnumerable<KeyValuePair<string, double>> byName)
    {
        _byName = new Dictionary<string, double>(byName, StringComparer.Ordinal);
    }

    /// <summary>The share of examples whose predicted class is the gold one.</summary>
    public double? Accuracy => Find("accuracy");

    /// <summary>F1 of the positive class (the result's PositiveLabel).</summary>
    public double? F1 => Find("f1");

    /// <summary>Matthews correlation of binary predictions (CoLA's metric).</summary>
    public double? Mcc => Find("mcc");

    /// <summary>Pearson correlation of predicted and gold scores (regression).</summary>
    public double? Pearson => Find("pearson");

    /// <summary>Spearman correlation of predicted and gold scores (regression).</summary>
    public double? Spearman => Find("spearman");

    /// <summary>The mean loss on the split (cross-entropy, or squared error for regression): recorded by a training
    /// stage's dev checks (<c>StageResult.BestDev</c>), not by the final scoring of a model.</summary>
    public double? Loss => Find("loss");

    /// <summary>The PTP stage's dev loss (nats) on the teacher's prediction classes, in its <c>BestDev</c>.</summary>
    public double? PtpLoss => Find("ptp_loss");

    /// <summary>Every metric by name (accuracy, f1, mcc, pearson, spearman, loss, ptp_loss), in the task's order: for
    /// code that treats every task alike, such as a table with a column per metric.</summary>
    public IReadOnlyDictionary<string, double> ByName => _byName;

    private double? Find(string name) => _byName.TryGetValue(name, out double value) ? value : null;

    /// <summary>Equal metrics: the same names, in the same order, with the same values.</summary>
    public bool Equals(SplitMetrics? other) => other is not null && _byName.SequenceEqual(other._byName);

    /// <inheritdoc/>
    public override int GetHashCode() => _byName.Aggregate(0, (hash, metric) => HashCode.Combine(hash, metric.Key, metric.Value));

    /// <summary>"{ accuracy = 0.8125, f1 = 0.8571428571428571 }": every metric, in order, as it round-trips (as the
    /// other records print a dictionary).</summary>
    public override string ToString() => RecordText.Items(ByName);
}

/// <summary>A split's metrics as a JSON object of numbers in their order (summary.json's "dev": { "accuracy": 0.8 }).</summary>
internal sealed class SplitMetricsJson : JsonConverter<SplitMetrics>
{
    public override SplitMetrics Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("A split's metrics must be an object of numbers.");
        }
        var metrics = new List<KeyValuePair<string, double>>();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string name = reader.GetString()!;
            if (!reader.Read() || reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out double value))
            {
                throw new JsonException($"The metric '{name}' must be a number.");
            }
            if (metrics.Any(m => m.Key == name))
            {
                throw new JsonException($"The metric '{name}' is given twice.");
            }
            metrics.Add(KeyValuePair.Create(name, value));
        }
        return new SplitMetrics(metrics);
    }

    public override void Write(Utf8JsonWriter writer, SplitMetrics value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach ((string name, double metric) in value.ByName)
        {
            writer.WriteNumber(name, metric);
        }
        writer.WriteEndObject();
    }
}
