using PeaKd.Options;

namespace PeaKd.Inference;

/// <summary>What a <see cref="TextClassifier"/> predicts for one text.</summary>
/// <param name="Label">The most probable class name; for a regression model, the predicted score written out.</param>
/// <param name="Probability">The probability of <paramref name="Label"/> (softmax of the logits); NaN for regression.</param>
/// <param name="Probabilities">Every class's probability, by class name in the model's label order; empty for regression.</param>
/// <param name="Score">The predicted score of a regression model (STS-B), else null.</param>
public sealed record Prediction(string Label, double Probability, IReadOnlyDictionary<string, double> Probabilities, double? Score = null)
{
    /// <summary>Its properties and their values, lists and dictionaries with their items.</summary>
    public override string ToString() => RecordText.Of(this);
}
