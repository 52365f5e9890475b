using PeaKd.Options;

namespace PeaKd.Training;

/// <summary>What a <see cref="TrainingProgress"/> report says.</summary>
public enum ProgressKind
{
    /// <summary>A line worth showing: the precision chosen, a reused record, a dev evaluation.</summary>
    Note,

    /// <summary>A training stage starts, or resumes at <see cref="TrainingProgress.Step"/>.</summary>
    StageStarted,

    /// <summary>A training step finished; <see cref="TrainingProgress.Losses"/> holds its loss terms.</summary>
    Step,

    /// <summary>A training stage finished its last step.</summary>
    StageFinished,
}

/// <summary>
/// One progress report of a run, delivered through <see cref="IProgress{T}"/>. Reports come synchronously on the
/// training thread, in order, when the <see cref="IProgress{T}"/> implementation handles them directly; .NET's
/// <see cref="Progress{T}"/> posts them to the synchronization context instead (possibly out of order on a console).
/// </summary>
/// <param name="Kind">What happened.</param>
/// <param name="Stage">The stage: finetune, ptp or kd; empty for notes outside a stage.</param>
/// <param name="Step">Steps done in the stage.</param>
/// <param name="TotalSteps">Steps the stage takes in all (0 for notes).</param>
/// <param name="Losses">With <see cref="ProgressKind.Step"/>: the step's loss terms by name ("loss" is the total).</param>
/// <param name="Message">With <see cref="ProgressKind.Note"/>: the text.</param>
public sealed record TrainingProgress(ProgressKind Kind, string Stage, long Step = 0, long TotalSteps = 0,
    IReadOnlyDictionary<string, double>? Losses = null, string? Message = null)
{
    internal static TrainingProgress Note(string stage, string message) => new(ProgressKind.Note, stage, Message: message);

    /// <summary>Its properties and their values, lists and dictionaries with their items.</summary>
    public override string ToString() => RecordText.Of(this);
}
