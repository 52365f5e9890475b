using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;
using PeaKd.Data.Metrics;
using PeaKd.Options;

namespace PeaKd.Distillation;

/// <summary>What one training stage did: its steps and time, and the dev evaluation that picked its weights.</summary>
public record StageResult
{
    /// <summary>Optimisation steps taken.</summary>
    public required long Steps { get; init; }

    /// <summary>Training time in seconds (dev evaluations included; a resumed stage adds up its runs).</summary>
    public required double Seconds { get; init; }

    /// <summary>Training examples per second.</summary>
    public required double ExamplesPerSecond { get; init; }

    /// <summary>The best dev score (the task's first metric; PTP: the negated dev loss), or null without a dev evaluation.</summary>
    public required double? BestScore { get; init; }

    /// <summary>The step whose weights were kept.</summary>
    public required long BestStep { get; init; }

    /// <summary>Every dev metric at <see cref="BestStep"/>, the dev loss among them (<see cref="SplitMetrics.Loss"/>;
    /// PTP's: <see cref="SplitMetrics.PtpLoss"/>).</summary>
    public required SplitMetrics? BestDev { get; init; }

    internal static StageResult From(Training.TrainingResult result) => new()
    {
        Steps = result.Steps,
        Seconds = result.Seconds,
        ExamplesPerSecond = result.ExamplesPerSecond,
        BestScore = result.BestScore,
        BestStep = result.BestStep,
        BestDev = result.BestMetrics is null ? null : new SplitMetrics(result.BestMetrics),
    };

    /// <summary>Its properties and their values, lists and dictionaries with their items.</summary>
    public sealed override string ToString() => RecordText.Of(this);
}

/// <summary>The PTP stage: its thresholds, how the teacher's predictions fell into PTP's four classes, and whether the
/// student learned more than those classes' frequencies (<see cref="Learned"/>).</summary>
public sealed record PtpStageResult : StageResult
{
    [SetsRequiredMembers]
    internal PtpStageResult(StageResult stage, PtpLabelStats labels) : base(stage)
    {
        T1 = labels.T1;
        T2 = labels.T2;
        TrainLabelCounts = labels.TrainCounts;
        DevLabelCounts = labels.DevCounts;
        TrainPriorEntropy = labels.TrainPriorEntropy;
        DevPriorEntropy = labels.DevPriorEntropy;
        DevPriorLoss = labels.DevPriorLoss;
        BestDevLoss = stage.BestDev?.PtpLoss;
    }

    /// <summary>For summary.json read back (a report over finished runs).</summary>
    [JsonConstructor]
    private PtpStageResult()
    {
    }

    /// <summary>The confidence threshold of right predictions.</summary>
    public required double T1 { get; init; }

    /// <summary>The confidence threshold of wrong predictions.</summary>
    public required double T2 { get; init; }

    /// <summary>Training examples per class: right and confident, right and unsure, wrong and confident, wrong and unsure.</summary>
    public required IReadOnlyList<int> TrainLabelCounts { get; init; }

    /// <summary>Dev examples per class (the dev loss is measured on them).</summary>
    public required IReadOnlyList<int> DevLabelCounts { get; init; }

    /// <summary>The entropy (nats) of train's class frequencies.</summary>
    public required double TrainPriorEntropy { get; init; }

    /// <summary>The entropy (nats) of dev's class frequencies: the lowest dev loss of any constant prediction.</summary>
    public required double DevPriorEntropy { get; init; }

    /// <summary>The dev loss (nats) of predicting train's class frequencies (add-one smoothed) for every example: what a
    /// student that learned nothing but the label frequencies scores.</summary>
    public required double DevPriorLoss { get; init; }

    /// <summary>The lowest dev PTP loss (nats), whose encoder was kept.</summary>
    public required double? BestDevLoss { get; init; }

    /// <summary>Whether the kept encoder's dev loss is below <see cref="DevPriorLoss"/>: the student learned something
    /// about the teacher's predictions beyond how often each class occurs. <see cref="BestDevLoss"/> is the lowest of
    /// the dev checks, so with dense checks it leans low; read a small margin as noise.</summary>
    public bool Learned => BestDevLoss < DevPriorLoss;
}

/// <summary>The KD stage: the loss weights it used and the patient map.</summary>
public sealed record KdStageResult : StageResult
{
    [SetsRequiredMembers]
    internal KdStageResult(StageResult stage, KdSettings settings, string patientMap) : base(stage)
    {
        Alpha = settings.Alpha;
        Temperature = settings.Temperature;
        Beta = settings.Beta;
        PatientMap = patientMap;
    }

    /// <summary>For summary.json read back (a report over finished runs).</summary>
    [JsonConstructor]
    private KdStageResult()
    {
    }

    /// <summary>Weight of the soft-target term.</summary>
    public required double Alpha { get; init; }

    /// <summary>Softmax temperature.</summary>
    public required double Temperature { get; init; }

    /// <summary>Weight of the patient term (0 when the student has no layer to match, such as a 1-layer plain student).</summary>
    public required double Beta { get; init; }

    /// <summary>Student effective layer -> teacher layer pairs of the patient loss ("0->1, 1->3"), or "none".</summary>
    public required string PatientMap { get; init; }
}
