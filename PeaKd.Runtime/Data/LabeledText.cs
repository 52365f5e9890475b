using PeaKd.Options;

namespace PeaKd.Data;

/// <summary>One labelled example given in memory: a text (or a pair of texts) and its class name.</summary>
/// <param name="Text">The sentence, or the first sentence of a pair; not empty.</param>
/// <param name="Label">The class name, such as "positive"; not empty.</param>
/// <param name="TextPair">The second sentence of a pair task (entailment, paraphrase), else null.</param>
public sealed record LabeledText(string Text, string Label, string? TextPair = null)
{
    /// <summary>Its properties and their values, lists and dictionaries with their items.</summary>
    public override string ToString() => RecordText.Of(this);
}
