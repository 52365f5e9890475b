namespace PeaKd;

/// <summary>
/// Declares a partial class as a student BERT: <paramref name="layers"/> encoder layers own parameters
/// (effective layers 0 .. layers-1). The PeaKd source generator completes the class.
/// </summary>
/// <remarks>Sizes come from the teacher's config at run time; <see cref="Hidden"/>, <see cref="Heads"/> and
/// <see cref="Intermediate"/> pin them, checked at compile time and again against the config.</remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class StudentAttribute(int layers) : Attribute
{
    /// <summary>Encoder layers that own parameters (k).</summary>
    public int Layers { get; } = layers;

    /// <summary>Pinned hidden size (hidden_size).</summary>
    public int Hidden { get; set; }

    /// <summary>Pinned number of attention heads (num_attention_heads).</summary>
    public int Heads { get; set; }

    /// <summary>Pinned feed-forward size (intermediate_size).</summary>
    public int Intermediate { get; set; }
}
