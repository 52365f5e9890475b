using PeaKd.Data.Metrics;
using PeaKd.Options;

namespace PeaKd.Inference;

/// <summary>A model scored on one split (<see cref="TextClassifier.Evaluate"/>).</summary>
/// <param name="Split">The split: dev or test.</param>
/// <param name="Metrics">The task's metrics (<c>report.Metrics?.Accuracy</c>); null when the split has no labels.</param>
/// <param name="Predictions">One prediction per example, in the split's order.</param>
public sealed record EvaluationReport(string Split, SplitMetrics? Metrics, IReadOnlyList<Prediction> Predictions)
{
    /// <summary>The class the "f1" metric scores; null for regression.</summary>
    public string? PositiveLabel { get; init; }

    /// <summary>What a reader of the metrics should know: a model that predicts one class for every example, say.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Its properties and their values, lists and dictionaries with their items.</summary>
    public override string ToString() => RecordText.Of(this);
}
