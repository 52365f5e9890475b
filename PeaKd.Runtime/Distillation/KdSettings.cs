namespace PeaKd.Distillation;

/// <summary>
/// The weights of the KD loss: alpha * KL(T) * T^2 + (1 - alpha) * CE + beta * patient MSE.
/// Presets (PEA-KD.md): ft (alpha 0, beta 0: plain fine-tuning of the student), kd (beta 0), pkd (T 10, alpha 0.7, beta 100).
/// </summary>
public sealed record KdSettings(double Alpha, double Temperature, double Beta)
{
    public static KdSettings FineTune { get; } = new(0, 1, 0);
    public static KdSettings Kd { get; } = new(0.7, 10, 0);
    public static KdSettings Pkd { get; } = new(0.7, 10, 100);

    public static IReadOnlyList<string> PresetNames { get; } = ["ft", "kd", "pkd"];

    public static KdSettings Preset(string name) => name.Trim().ToLowerInvariant() switch
    {
        "ft" => FineTune,
        "kd" => Kd,
        "pkd" => Pkd,
        _ => throw new ArgumentException($"--preset '{name}' is not known; use one of {string.Join(", ", PresetNames)}."),
    };

    public void Validate()
    {
        if (Alpha is < 0 or > 1)
        {
            throw new ArgumentException($"--alpha must be in [0, 1], got {Alpha}.");
        }
        if (!(Temperature > 0))
        {
            throw new ArgumentException($"--temperature must be positive, got {Temperature}.");
        }
        if (!(Beta >= 0))
        {
            throw new ArgumentException($"--beta must not be negative, got {Beta}.");
        }
    }
}
