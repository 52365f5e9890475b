using System.Globalization;
using PeaKd.Options;

namespace PeaKd.Distillation;

/// <summary>How PTP's confidence thresholds t1 (right predictions) and t2 (wrong ones) are chosen.</summary>
public enum PtpThresholdMode
{
    /// <summary>The median confidence over the teacher's right predictions (t1) and over its wrong ones (t2).</summary>
    Median,

    /// <summary>The authors' per-task values (RTE, MRPC, SST-2, QNLI, CoLA).</summary>
    Paper,

    /// <summary>The given <see cref="PtpThresholds.T1"/> and <see cref="PtpThresholds.T2"/>.</summary>
    Explicit,
}

/// <summary>PTP's thresholds: <see cref="Median"/> (the default), <see cref="Paper"/>, or <see cref="Of"/> two values.</summary>
/// <param name="Mode">How they are chosen.</param>
/// <param name="T1">With <see cref="PtpThresholdMode.Explicit"/>: the confidence above which a right prediction is "confident", in (0, 1).</param>
/// <param name="T2">With <see cref="PtpThresholdMode.Explicit"/>: the same for wrong predictions, in (0, 1).</param>
public sealed record PtpThresholds(PtpThresholdMode Mode, double? T1 = null, double? T2 = null)
{
    /// <summary>Medians of the teacher's confidence over its right and its wrong training predictions.</summary>
    public static PtpThresholds Median { get; } = new(PtpThresholdMode.Median);

    /// <summary>The authors' per-task thresholds.</summary>
    public static PtpThresholds Paper { get; } = new(PtpThresholdMode.Paper);

    /// <summary>Fixed thresholds, such as (0.98, 0.8), the authors' SST-2 pair.</summary>
    public static PtpThresholds Of(double t1, double t2) => new(PtpThresholdMode.Explicit, t1, t2);

    /// <summary>Throws <see cref="InvalidOptionException"/> naming the first invalid value under <paramref name="property"/>.</summary>
    internal void Validate(string property = nameof(PtpThresholds))
    {
        var path = new OptionPath(property);
        OptionCheck.Defined(path / nameof(Mode), Mode);
        if (Mode == PtpThresholdMode.Explicit)
        {
            foreach ((string name, double? value) in new[] { (nameof(T1), T1), (nameof(T2), T2) })
            {
                if (value is not (> 0 and < 1))
                {
                    throw new InvalidOptionException(path / name, $"must be in (0, 1) with Mode Explicit, got {(value is double v ? OptionCheck.Show(v) : "nothing")}.");
                }
            }
        }
        else if (T1 is not null || T2 is not null)
        {
            throw new InvalidOptionException(path / nameof(T1), $"is set, but Mode is {Mode}, which chooses the thresholds itself; use PtpThresholds.Of(t1, t2) for fixed ones.");
        }
    }

    /// <summary>"median", "paper" or "t1,t2", as options.json records it.</summary>
    public override string ToString() => Mode == PtpThresholdMode.Explicit
        ? string.Create(CultureInfo.InvariantCulture, $"{T1},{T2}")
        : Mode.ToString().ToLowerInvariant();
}
