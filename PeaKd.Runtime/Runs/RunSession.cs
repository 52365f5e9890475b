using System.Diagnostics;
using System.Text.Json.Nodes;
using PeaKd.Devices;
using PeaKd.IO;
using PeaKd.Modeling;
using PeaKd.Options;
using PeaKd.Precision;
using PeaKd.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PeaKd.Runs;

/// <summary>
/// One run (a fine-tuning, a distillation) from its checks to its summary, with what every part of it shares resolved
/// once: the device and precision it computes with, its folder and the lock on it, where progress goes, whether it
/// resumes, its cancellation, and the options' path that messages name. <see cref="Open"/> writes nothing, so the
/// run's checks can follow it and still leave no trace when they fail; <see cref="Start"/> claims the folder and
/// records the options; each training stage runs as a <see cref="RunStage"/>; <see cref="Finish"/> writes the summary
/// and seals the folder; disposing releases the folder.
/// </summary>
internal sealed class RunSession : IDisposable
{
    private readonly bool _overwrite;
    private IDisposable? _lock; // held from the first write to the end: one run per folder

    private RunSession(OptionPath options, RunSettings settings, Device device, (ComputePrecision Value, string Reason) precision,
        IProgress<TrainingProgress>? progress, CancellationToken cancellation)
    {
        Options = options;
        Folder = new RunFolder(settings.OutputFolder) { Retention = settings.KeepCheckpoints };
        Device = device;
        Precision = precision.Value;
        PrecisionReason = precision.Reason;
        Resume = settings.Resume;
        _overwrite = settings.Overwrite;
        Progress = progress;
        Cancellation = cancellation;
    }

    /// <summary>The options type the run was asked with (PipelineOptions, FineTuneOptions): the root of every path its messages name.</summary>
    public OptionPath Options { get; }

    public RunFolder Folder { get; }

    public Device Device { get; }

    public ComputePrecision Precision { get; }

    /// <summary>Why <see cref="Precision"/> was chosen ("asked for", or what the hardware runs fast).</summary>
    public string PrecisionReason { get; }

    /// <summary>Whether the run continues an interrupted one in its folder: finished stages are reused.</summary>
    public bool Resume { get; }

    /// <summary>Where stage starts, steps and notes go; null for nowhere.</summary>
    public IProgress<TrainingProgress>? Progress { get; }

    /// <summary>Stops the run after the current step, resumably.</summary>
    public CancellationToken Cancellation { get; }

    /// <summary>Time since the run was opened (this process's part of it, when resumed).</summary>
    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    /// <summary>Resolves the device and precision <paramref name="settings"/> ask for (an unavailable device is an error
    /// naming <paramref name="options"/>.Device); writes nothing.</summary>
    public static RunSession Open(OptionPath options, RunSettings settings, IProgress<TrainingProgress>? progress, CancellationToken cancellation)
    {
        Device device = DeviceSelector.Resolve(settings.Device, options / nameof(RunSettings.Device));
        var precision = PrecisionSelector.Resolve(settings.Precision, device);
        return new RunSession(options, settings, device, precision, progress, cancellation);
    }

    /// <summary>The first write, once every check has passed: the folder refused if it holds anything but a run of
    /// PeaKd's, locked, claimed (a run there is continued only when resuming and deleted only when overwriting), the
    /// options recorded (a resumed run must be asked the same), and what a killed run left half-written removed.</summary>
    /// <param name="options">options.json's content.</param>
    /// <param name="properties">The property each options.json key records, for a refused resume's message.</param>
    /// <param name="olderValues">Values older versions did not record but which depend on the run's data (<see cref="RunData.OlderRunValues"/>).</param>
    public void Start(JsonObject options, IReadOnlyDictionary<string, string> properties, JsonObject olderValues)
    {
        Cancellation.ThrowIfCancellationRequested(); // a run cancelled before it started writes nothing
        Folder.CheckHoldsNothingElse(Options);
        _lock = Folder.Lock(Options);
        Folder.Claim(Resume, _overwrite, Options);
        Folder.SaveOptions(options, Resume, Options, properties, olderValues);
        Note($"precision: {PrecisionSelector.Name(Precision)} ({PrecisionReason})");
        if (Resume)
        {
            AtomicFile.RemoveTemporaries(Folder.Root); // partial files a kill left; never read, now gone
        }
    }

    /// <summary>A training stage of this run: <paramref name="name"/> (its folder under stages/), trained with
    /// <paramref name="options"/>, which sit at <paramref name="property"/> in the run's options.</summary>
    public RunStage Stage(string name, TrainingOptions options, OptionPath property) => new(this, name, options, property);

    /// <summary>Moves a model to the run's device and sets it to compute in the run's precision.</summary>
    public void Place(BertClassifier model)
    {
        model.to(Device);
        model.Precision = Precision;
    }

    /// <summary>A note that belongs to the run rather than to a stage.</summary>
    public void Note(string message) => Progress?.Report(TrainingProgress.Note("", message));

    /// <summary>Writes summary.json sealed and seals the run folder (<see cref="RunFolder.WriteSummary"/>).</summary>
    public void Finish(JsonObject summary, Folders.FolderKind kind, string? sourceFolder) => Folder.WriteSummary(summary, kind, sourceFolder);

    public void Dispose() => _lock?.Dispose();
}
