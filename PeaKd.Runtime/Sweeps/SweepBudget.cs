using PeaKd.Options;

namespace PeaKd.Sweeps;

/// <summary>A deployment budget: the most a chosen student may cost. Null limits are not set.</summary>
/// <remarks>Planning applies <see cref="MaxOwnedParameters"/>: a student's owned parameters are known from its plan
/// and the teacher's config before anything trains. The int8 file size and latency are measured once a cell is trained
/// (<see cref="ServingCost"/>), so planning keeps every cell they would judge and the report applies them.</remarks>
public sealed record SweepBudget
{
    /// <summary>The most parameters a student may own: embeddings, its owned encoder layers and the pooler (as
    /// <see cref="Modeling.ParameterCount.Backbone"/> counts them; the classifier excluded).</summary>
    public long? MaxOwnedParameters { get; init; }

    /// <summary>The largest int8 ONNX file, in bytes (applied by the report to measured cells).</summary>
    public long? MaxInt8FileBytes { get; init; }

    /// <summary>The slowest int8 latency, in milliseconds, at batch 1 and the trained length (applied by the report to
    /// measured cells).</summary>
    public double? MaxInt8LatencyMilliseconds { get; init; }

    /// <summary>Whether a student owning <paramref name="ownedParameters"/> parameters is within the budget.</summary>
    /// <param name="ownedParameters">The student's owned parameters.</param>
    public bool Admits(long ownedParameters) => MaxOwnedParameters is not long most || ownedParameters <= most;

    /// <summary>Throws <see cref="InvalidOptionException"/> naming the first limit that is not positive.</summary>
    internal void Validate(OptionPath path)
    {
        if (MaxOwnedParameters is long parameters)
        {
            OptionCheck.AtLeast(path / nameof(MaxOwnedParameters), parameters, 1);
        }
        if (MaxInt8FileBytes is long bytes)
        {
            OptionCheck.AtLeast(path / nameof(MaxInt8FileBytes), bytes, 1);
        }
        if (MaxInt8LatencyMilliseconds is double latency)
        {
            OptionCheck.Positive(path / nameof(MaxInt8LatencyMilliseconds), latency);
        }
    }

    /// <summary>Its properties and their values.</summary>
    public override string ToString() => RecordText.Of(this);
}
