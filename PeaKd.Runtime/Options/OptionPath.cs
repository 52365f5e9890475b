namespace PeaKd.Options;

/// <summary>
/// Where an option sits in the API, as an <see cref="InvalidOptionException"/> names it: <c>PipelineOptions.KdTraining.Epochs</c>.
/// Built from the options type down, one property at a time (<c>options / nameof(PipelineOptions.KdTraining)</c>), so
/// a renamed property renames every message that names it, and no message spells a path by hand.
/// </summary>
/// <param name="Value">The path so far: the options type's name (PipelineOptions), or a path a caller was given.</param>
internal readonly record struct OptionPath(string Value)
{
    /// <summary>The path of <paramref name="property"/> under <paramref name="path"/>: <c>PipelineOptions / "KdLoss"</c> is PipelineOptions.KdLoss.</summary>
    public static OptionPath operator /(OptionPath path, string property) => new($"{path.Value}.{property}");

    /// <summary>The path as messages print it; what <see cref="OptionCheck"/> and <see cref="InvalidOptionException"/> take.</summary>
    public static implicit operator string(OptionPath path) => path.Value;

    /// <inheritdoc cref="Value"/>
    public override string ToString() => Value;
}
