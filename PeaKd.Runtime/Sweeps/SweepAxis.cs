using System.Globalization;
using PeaKd.Options;

namespace PeaKd.Sweeps;

/// <summary>One run option a sweep varies, with the values it takes: <c>SweepAxis.Of("kd_learning_rate", 2e-5, 5e-5)</c>.
/// The options a sweep can vary are <see cref="Options"/>; each value is kept in a canonical text (numbers round-trip
/// invariant, enums lower case), so <c>2e-5</c> and <c>0.00002</c> are one value and give one cell id.</summary>
/// <param name="Option">The option's name: one of <see cref="Options"/>.</param>
/// <param name="Values">Its values, at least one, each as invariant text ("2E-05", "3", "teacher").</param>
public sealed record SweepAxis(string Option, IReadOnlyList<string> Values)
{
    /// <summary>The options a sweep can vary and what each sets in a cell's <see cref="Distillation.PipelineOptions"/>:
    /// kd_learning_rate and kd_epochs and kd_batch_size (KdTraining), ptp_learning_rate and ptp_epochs (PtpTraining;
    /// only in recipes with PTP), init_from (InitFrom: pretrained or teacher) and max_length (MaxLength).</summary>
    public static IReadOnlyList<string> Options => SweepAxisOptions.Names;

    /// <summary>An axis of <paramref name="option"/> over <paramref name="values"/> (numbers, or names for init_from).</summary>
    /// <param name="option">The option's name: one of <see cref="Options"/>.</param>
    /// <param name="values">Its values.</param>
    public static SweepAxis Of(string option, params object[] values) =>
        new(option, values.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "").ToArray());

    /// <summary>Throws <see cref="InvalidOptionException"/> under <paramref name="path"/> for an unknown option, no
    /// value, a value of the wrong kind or a value given twice.</summary>
    internal void Validate(string path)
    {
        SweepAxisOption option = SweepAxisOptions.Find(Option)
            ?? throw new InvalidOptionException($"{path}.{nameof(Option)}",
                $"is '{Option}', which is not an option a sweep can vary; the options are {string.Join(", ", SweepAxisOptions.Names)}.");
        if (Values is null || Values.Count == 0)
        {
            throw new InvalidOptionException($"{path}.{nameof(Values)}", $"is empty; give {Option} at least one value.");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < Values.Count; i++)
        {
            string canonical = option.Canonical(Values[i])
                ?? throw new InvalidOptionException($"{path}.{nameof(Values)}[{i}]", $"is '{Values[i]}', not {option.Kind}.");
            if (!seen.Add(canonical))
            {
                throw new InvalidOptionException($"{path}.{nameof(Values)}[{i}]", $"is '{Values[i]}', a value {Option} already has.");
            }
        }
    }

    /// <summary>Its option and values.</summary>
    public override string ToString() => $"{Option}: {string.Join(", ", Values)}";
}
