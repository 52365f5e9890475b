namespace PeaKd.Training;

/// <summary>Where training reports how far it is: a progress bar, log lines, or nothing.</summary>
public interface ITrainingProgress
{
    /// <summary>A stage starts (or resumes at <paramref name="done"/> of <paramref name="total"/> steps).</summary>
    void Start(string stage, long total, long done);

    /// <summary>Step <paramref name="step"/> finished; <paramref name="summary"/> is a short text of the losses.</summary>
    void Advance(long step, string summary);

    /// <summary>A line worth showing (an evaluation, a note).</summary>
    void Message(string text);

    void Finish();
}

/// <summary>Reports nothing (tests, libraries).</summary>
public sealed class SilentProgress : ITrainingProgress
{
    public static SilentProgress Instance { get; } = new();

    public void Start(string stage, long total, long done) { }
    public void Advance(long step, string summary) { }
    public void Message(string text) { }
    public void Finish() { }
}
