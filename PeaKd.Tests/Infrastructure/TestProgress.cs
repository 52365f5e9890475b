using PeaKd.Training;

namespace PeaKd.Tests.Infrastructure;

/// <summary>Collects the notes a run reports (a reused stage, a damaged file passed over, a dev evaluation).</summary>
internal sealed class NoteRecorder : IProgress<TrainingProgress>
{
    public List<string> Lines { get; } = [];

    /// <summary>The training steps run, by stage and step (1-based): what a resume really ran.</summary>
    public List<(string Stage, long Step)> Steps { get; } = [];

    public void Report(TrainingProgress value)
    {
        if (value.Kind == ProgressKind.Note)
        {
            Lines.Add(value.Message!);
        }
        else if (value.Kind == ProgressKind.Step)
        {
            Steps.Add((value.Stage, value.Step));
        }
    }
}

/// <summary>Cancels the run once <paramref name="stage"/> reports step <paramref name="step"/>: the training loop then
/// stops after that step, leaving what a kill would leave. Pass <see cref="Token"/> with this progress.</summary>
internal sealed class StopAfter(string stage, long step) : IProgress<TrainingProgress>
{
    private readonly CancellationTokenSource _cancel = new();

    public CancellationToken Token => _cancel.Token;

    public void Report(TrainingProgress value)
    {
        if (value.Kind == ProgressKind.Step && value.Stage == stage && value.Step == step)
        {
            _cancel.Cancel();
        }
    }
}
