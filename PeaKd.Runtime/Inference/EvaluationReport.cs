namespace PeaKd;

/// <summary>A model scored on one split (<see cref="TextClassifier.Evaluate"/>).</summary>
/// <param name="Split">The split: dev or test.</param>
/// <param name="Metrics">The task's metrics by name (accuracy, f1, mcc, pearson, spearman); null when the split has no labels.</param>
/// <param name="Predictions">One prediction per example, in the split's order.</param>
public sealed record EvaluationReport(string Split, IReadOnlyDictionary<string, double>? Metrics, IReadOnlyList<Prediction> Predictions);
