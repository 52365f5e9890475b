namespace PeaKd;

/// <summary>
/// Shuffled parameter sharing in one line: with k owned layers, effective layers k, k+1, ... reuse the
/// owned layers <see cref="Of"/> (all of them, 0..k-1, by default) in order.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class SpsAttribute : Attribute
{
    /// <summary>The shuffle of <see cref="Shuffle"/> when it is not written: Pea-KD's. (A constant, so the source
    /// generator reads it from metadata, where a property's initializer does not show.)</summary>
    public const Shuffle DefaultShuffle = Shuffle.QueryKey;

    /// <summary><see cref="PeaKd.Shuffle.QueryKey"/> (<see cref="DefaultShuffle"/>, Pea-KD) or <see cref="PeaKd.Shuffle.None"/> (the "without shuffle" ablation).</summary>
    public Shuffle Shuffle { get; set; } = DefaultShuffle;

    /// <summary>The owned layers to reuse, in order; e.g. { 3, 4, 5 } for the authors' k = 6 student.</summary>
    public int[]? Of { get; set; }
}
