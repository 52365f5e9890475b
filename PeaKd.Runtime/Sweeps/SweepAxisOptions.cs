using System.Globalization;
using PeaKd.Distillation;

namespace PeaKd.Sweeps;

/// <summary>An option a sweep can vary: how its values are read and written canonically, and what a value sets.</summary>
/// <param name="Name">Its name in a spec and in a cell's settings.</param>
/// <param name="Kind">What a value must be, for messages ("a whole number").</param>
/// <param name="Canonical">A value's canonical text, or null when it is not of the kind.</param>
/// <param name="Apply">Sets the value (canonical text) in a cell's options.</param>
/// <param name="PtpOnly">Read only by PTP: recipes without PTP drop the axis, so it cannot split their cells.</param>
internal sealed record SweepAxisOption(string Name, string Kind, Func<string, string?> Canonical,
    Func<PipelineOptions, string, PipelineOptions> Apply, bool PtpOnly = false);

/// <summary>The options a sweep can vary today; others are refused by name.</summary>
internal static class SweepAxisOptions
{
    private static readonly SweepAxisOption[] All =
    [
        new("kd_learning_rate", "a number", Number, (o, v) => o with { KdTraining = o.KdTraining with { LearningRate = Double(v) } }),
        new("kd_epochs", "a whole number", Whole, (o, v) => o with { KdTraining = o.KdTraining with { Epochs = Int(v) } }),
        new("kd_batch_size", "a whole number", Whole, (o, v) => o with { KdTraining = o.KdTraining with { BatchSize = Int(v) } }),
        new("ptp_learning_rate", "a number", Number, (o, v) => o with { PtpTraining = o.PtpTraining with { LearningRate = Double(v) } }, PtpOnly: true),
        new("ptp_epochs", "a whole number", Whole, (o, v) => o with { PtpTraining = o.PtpTraining with { Epochs = Int(v) } }, PtpOnly: true),
        new("init_from", "pretrained or teacher", Init, (o, v) => o with { InitFrom = Enum.Parse<StudentInit>(v, ignoreCase: true) }),
        new("max_length", "a whole number", Whole, (o, v) => o with { MaxLength = Int(v) }),
        new("eval_every", "a whole number of steps (0: once per epoch)", Whole, (o, v) => o with
        {
            KdTraining = o.KdTraining with { EvalEvery = Int(v) },
            PtpTraining = o.PtpTraining with { EvalEvery = Int(v) },
        }),
        new("ptp_thresholds", "median, paper, or two numbers \"t1,t2\"", Thresholds, (o, v) => o with { PtpThresholds = ThresholdsOf(v) }, PtpOnly: true),
    ];

    public static IReadOnlyList<string> Names { get; } = All.Select(o => o.Name).ToArray();

    /// <summary>The option called <paramref name="name"/> (exactly, as the settings name it), or null.</summary>
    public static SweepAxisOption? Find(string? name) => All.FirstOrDefault(o => o.Name == name);

    private static string? Number(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value)
            ? value.ToString("R", CultureInfo.InvariantCulture) : null;

    private static string? Whole(string text) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value)
            ? value.ToString(CultureInfo.InvariantCulture) : null;

    private static string? Init(string text) =>
        Enum.GetValues<StudentInit>().Select(i => i.ToString().ToLowerInvariant()).FirstOrDefault(i => i == text.Trim().ToLowerInvariant());

    private static string? Thresholds(string text)
    {
        string value = text.Trim().ToLowerInvariant();
        if (value is "median" or "paper")
        {
            return value;
        }
        string?[] parts = value.Split(',').Select(p => Number(p.Trim())).ToArray();
        return parts.Length == 2 && parts.All(p => p is not null) ? $"{parts[0]},{parts[1]}" : null;
    }

    private static PtpThresholds ThresholdsOf(string canonical) => canonical switch
    {
        "median" => PtpThresholds.Median,
        "paper" => PtpThresholds.Paper,
        _ => PtpThresholds.Of(Double(canonical.Split(',')[0]), Double(canonical.Split(',')[1])),
    };

    private static double Double(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    private static int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);
}
