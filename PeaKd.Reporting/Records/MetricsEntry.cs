using System.Text.Json;
using System.Text.Json.Nodes;

namespace PeaKd.Reporting.Records;

/// <summary>One line of a run's metrics.jsonl: a logged training step, or a dev evaluation.</summary>
/// <param name="Stage">finetune, ptp or kd.</param>
/// <param name="Step">The stage's step.</param>
/// <param name="Epoch">Epochs done at that step (fractional within an epoch).</param>
/// <param name="Split">"dev" for an evaluation, null for a training line.</param>
/// <param name="Values">Every number on the line by name: loss terms (loss, hard, soft, patient) averaged since the
/// previous line, and lr, for a training line; score and dev_{metric} (dev_loss among them) for an evaluation; PTP's
/// step-0 line holds t1, t2 and the prior entropies (its label counts are arrays, not listed here).</param>
public sealed record MetricsEntry(string Stage, long Step, double Epoch, string? Split, IReadOnlyDictionary<string, double> Values)
{
    internal static MetricsEntry From(JsonObject line)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach ((string name, JsonNode? node) in line)
        {
            if (name is not ("stage" or "step" or "epoch" or "split") && node is JsonValue value
                && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue(out double number))
            {
                values[name] = number;
            }
        }
        double epoch = line["epoch"] is JsonValue e && e.GetValueKind() == JsonValueKind.Number ? e.GetValue<double>() : double.NaN;
        string? split = line["split"] is JsonValue s && s.GetValueKind() == JsonValueKind.String ? s.GetValue<string>() : null;
        return new MetricsEntry(line["stage"]!.GetValue<string>(), line["step"]!.GetValue<long>(), epoch, split, values);
    }
}
