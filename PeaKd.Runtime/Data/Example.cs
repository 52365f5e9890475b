namespace PeaKd.Data;

/// <summary>One row of a data set: its text (and second text for pair tasks) and its gold label.</summary>
/// <param name="Text">The sentence, or the first sentence of a pair.</param>
/// <param name="TextPair">The second sentence of a pair task, else null.</param>
/// <param name="Label">Class id for classification tasks; null for regression and unlabelled (test) rows.</param>
/// <param name="Target">Gold score for regression tasks (STS-B); null otherwise.</param>
/// <param name="Line">1-based line in the source file, for messages.</param>
internal sealed record Example(string Text, string? TextPair, int? Label, float? Target, int Line);

/// <summary>The rows of one split of a task.</summary>
/// <param name="Task">The task's name.</param>
/// <param name="Split">train, dev, test (or MNLI's mismatched ones).</param>
/// <param name="File">The file read, named in messages.</param>
/// <param name="ContentHash">SHA-256 of the file as read (the feature cache's key).</param>
/// <param name="Examples">The rows, in file order.</param>
/// <param name="Labels">Class names in id order (empty for regression).</param>
internal sealed record Dataset(string Task, string Split, string File, string ContentHash, IReadOnlyList<Example> Examples, IReadOnlyList<string> Labels)
{
    public bool IsPairTask => Examples.Any(e => e.TextPair is not null);
    public bool HasLabels => Examples.Count > 0 && Examples.All(e => e.Label is not null || e.Target is not null);
}
