namespace PeaKd;

/// <summary>Effective layer <paramref name="at"/> reuses every parameter of owned layer <see cref="From"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SharedLayerAttribute(int at) : Attribute
{
    /// <summary>The effective layer this attribute declares.</summary>
    public int At { get; } = at;

    /// <summary>The owned layer whose parameters are reused (required).</summary>
    public int From { get; set; }

    /// <summary><see cref="PeaKd.Shuffle.QueryKey"/> exchanges the Query and Key roles; <see cref="PeaKd.Shuffle.None"/> (default) keeps them.</summary>
    public Shuffle Shuffle { get; set; }
}
