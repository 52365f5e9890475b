using PeaKd.Options;

namespace PeaKd.Distillation;

/// <summary>
/// The weights of the KD loss: <c>Alpha * KL(T) * T^2 + (1 - Alpha) * CE + Beta * patient MSE</c>.
/// Presets (PEA-KD.md): <see cref="FineTune"/> (alpha 0, beta 0: the student fine-tuned alone), <see cref="Kd"/>
/// (beta 0), <see cref="Pkd"/> (T 10, alpha 0.7, beta 100).
/// </summary>
/// <param name="Alpha">Weight of the soft-target term, in [0, 1]; the hard (gold label) term gets 1 - Alpha.</param>
/// <param name="Temperature">Softmax temperature T of the soft targets, positive.</param>
/// <param name="Beta">Weight of the patient term (normalised [CLS] states at the patient map), at least 0.</param>
public sealed record KdSettings(double Alpha, double Temperature, double Beta)
{
    /// <summary>Plain fine-tuning of the student: alpha 0, T 1, beta 0.</summary>
    public static KdSettings FineTune { get; } = new(0, 1, 0);

    /// <summary>Hinton's KD: alpha 0.7, T 10, no patient term.</summary>
    public static KdSettings Kd { get; } = new(0.7, 10, 0);

    /// <summary>Patient KD, Pea-KD's default: alpha 0.7, T 10, beta 100.</summary>
    public static KdSettings Pkd { get; } = new(0.7, 10, 100);

    /// <summary>The paper's presets by name (ft, kd, pkd): what a preset asked by name means, and what a report names
    /// a run's loss by.</summary>
    internal static IReadOnlyDictionary<string, KdSettings> Presets { get; } = new Dictionary<string, KdSettings>(StringComparer.Ordinal)
    {
        ["ft"] = FineTune,
        ["kd"] = Kd,
        ["pkd"] = Pkd,
    };

    /// <summary>Throws <see cref="InvalidOptionException"/> naming the first invalid weight under <paramref name="property"/>.</summary>
    internal void Validate(string property = nameof(KdSettings))
    {
        var path = new OptionPath(property);
        OptionCheck.Fraction(path / nameof(Alpha), Alpha);
        OptionCheck.Positive(path / nameof(Temperature), Temperature);
        OptionCheck.NotNegative(path / nameof(Beta), Beta);
    }

    /// <summary>Its properties and their values, lists and dictionaries with their items.</summary>
    public override string ToString() => RecordText.Of(this);
}
