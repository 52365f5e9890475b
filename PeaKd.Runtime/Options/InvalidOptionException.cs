namespace PeaKd.Options;

/// <summary>
/// An option of the API has a value PeaKd cannot use. <see cref="Property"/> names it as the caller wrote it
/// (<c>PipelineOptions.KdTraining.Epochs</c>), so an application can point its user at the right setting;
/// the message is the property followed by the problem: <c>PipelineOptions.KdTraining.Epochs must be at least 1, got 0.</c>
/// </summary>
public sealed class InvalidOptionException : ArgumentException
{
    /// <summary>Creates the exception for <paramref name="property"/> with <paramref name="problem"/> (a sentence that follows the property's name).</summary>
    /// <param name="property">The option's path from the options type, such as <c>PipelineOptions.KdLoss.Alpha</c>.</param>
    /// <param name="problem">What is wrong and, where it helps, what to do: <c>must be in [0, 1], got 2.</c></param>
    public InvalidOptionException(string property, string problem)
        : base($"{property} {problem}")
    {
        Property = property;
        Problem = problem;
    }

    /// <summary>The option's path, such as <c>PipelineOptions.KdTraining.Epochs</c>.</summary>
    public string Property { get; }

    /// <summary>The message without the property: what is wrong with its value.</summary>
    public string Problem { get; }
}
