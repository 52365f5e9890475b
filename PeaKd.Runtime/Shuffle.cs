namespace PeaKd;

/// <summary>How a shared layer reuses its owner's parameters.</summary>
public enum Shuffle
{
    /// <summary>Every projection keeps its role (paired sharing without the shuffle).</summary>
    None = 0,

    /// <summary>
    /// Query and Key trade places: queries come from the owner's Key projection (weight and bias)
    /// and keys from its Query projection (Pea-KD's shuffled parameter sharing).
    /// </summary>
    QueryKey = 1,
}
