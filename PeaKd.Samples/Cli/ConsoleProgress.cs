using System.Diagnostics;
using PeaKd.Training;
using Spectre.Console;

namespace PeaKd.Samples.Cli;

/// <summary>
/// The runtime's progress reports on the console: a Spectre.Console progress bar with ETA when the console is
/// interactive, plain lines otherwise (redirected output, CI), since Spectre draws nothing then.
/// </summary>
internal static class ConsoleProgress
{
    public static IProgress<TrainingProgress> Create() =>
        !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive ? new BarProgress() : new LineProgress(Console.Out);
}

/// <summary>Turns each report into a call: a stage starts, a step is done, a note, a stage finishes.</summary>
internal abstract class ConsolePrinter : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value)
    {
        switch (value.Kind)
        {
            case ProgressKind.StageStarted:
                Start(value.Stage, value.TotalSteps, value.Step);
                break;
            case ProgressKind.Step:
                Advance(value.Step, string.Join(" ", (value.Losses ?? new Dictionary<string, double>()).Select(v => $"{v.Key} {v.Value:F4}")));
                break;
            case ProgressKind.StageFinished:
                Finish();
                break;
            default:
                Message(value.Message ?? "");
                break;
        }
    }

    protected abstract void Start(string stage, long total, long done);
    protected abstract void Advance(long step, string summary);
    protected abstract void Message(string text);
    protected abstract void Finish();
}

/// <summary>One line every few seconds: stage, step, percent, losses, ETA.</summary>
/// <param name="output">Where the lines go.</param>
/// <param name="secondsBetweenLines">The least time between two step lines (the last step always gets one).</param>
/// <param name="clock">The time since some fixed moment; a monotonic clock unless a test sets one.</param>
internal sealed class LineProgress(TextWriter output, double secondsBetweenLines = 5, Func<TimeSpan>? clock = null) : ConsolePrinter
{
    private static readonly long Origin = Stopwatch.GetTimestamp();
    private readonly Func<TimeSpan> _now = clock ?? (() => Stopwatch.GetElapsedTime(Origin));
    private TimeSpan _started;
    private string _stage = "";
    private long _total, _startStep;
    private double _lastLine = double.NegativeInfinity;

    protected override void Start(string stage, long total, long done)
    {
        (_stage, _total, _startStep) = (stage, total, done);
        _started = _now();
        _lastLine = double.NegativeInfinity;
        output.WriteLine($"{stage}: {total} steps{(done > 0 ? $", resuming at {done}" : "")}");
    }

    protected override void Advance(long step, string summary)
    {
        double elapsed = (_now() - _started).TotalSeconds;
        if (step < _total && elapsed - _lastLine < secondsBetweenLines)
        {
            return;
        }
        _lastLine = elapsed;
        double rate = (step - _startStep) / Math.Max(elapsed, 1e-9);
        output.WriteLine($"{_stage}: step {step}/{_total} ({100.0 * step / _total:F0}%) {summary} eta {Duration.Format(rate > 0 ? (_total - step) / rate : 0)}");
    }

    protected override void Message(string text) => output.WriteLine(text);

    protected override void Finish() => output.WriteLine($"{_stage}: done in {Duration.Format((_now() - _started).TotalSeconds)}");
}

/// <summary>Times as the progress shows them: hh:mm:ss, with the days before them past a day ("1d 02:03:04"), since
/// hh alone wraps at 24 hours and a 25-hour ETA would read as one hour.</summary>
internal static class Duration
{
    /// <summary>The longest time shown; an ETA beyond it (a step that took hours, of billions) reads "over 9999d".</summary>
    public const int MaxDays = 9999;

    public static string Format(double seconds) =>
        !(seconds < MaxDays * 86400.0) ? $"over {MaxDays}d" // NaN too; TimeSpan.FromSeconds would throw past about 29,000 years
        : Format(TimeSpan.FromSeconds(Math.Max(0, seconds)));

    public static string Format(TimeSpan time) => time.Days > 0 ? $"{time.Days}d {time:hh\\:mm\\:ss}" : $"{time:hh\\:mm\\:ss}";
}

/// <summary>A Spectre.Console column of the elapsed or the remaining time in <see cref="Duration"/>'s form: Spectre's
/// own columns print hh:mm:ss, which wraps at 24 hours.</summary>
internal sealed class DurationColumn(bool remaining) : ProgressColumn
{
    public override Spectre.Console.Rendering.IRenderable Render(Spectre.Console.Rendering.RenderOptions options, ProgressTask task, TimeSpan deltaTime)
    {
        TimeSpan? time = remaining ? task.RemainingTime : task.ElapsedTime;
        return new Text(time is TimeSpan shown ? Duration.Format(shown.TotalSeconds) : "--:--:--", new Style(remaining ? Color.Blue : Color.Yellow));
    }
}

/// <summary>A live Spectre.Console bar per stage; messages wait until the bar is gone, so they do not tear it.</summary>
internal sealed class BarProgress : ConsolePrinter
{
    private readonly List<string> _pending = [];
    private ProgressTask? _task;
    private Task? _display;
    private TaskCompletionSource? _finished;

    protected override void Start(string stage, long total, long done)
    {
        var ready = new TaskCompletionSource<ProgressTask>();
        _finished = new TaskCompletionSource();
        _display = Task.Run(() => AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DurationColumn(remaining: false), new DurationColumn(remaining: true), new SpinnerColumn())
            .Start(context =>
            {
                ProgressTask task = context.AddTask(Markup.Escape(stage), maxValue: total);
                task.Value = done;
                ready.SetResult(task);
                _finished.Task.Wait();
                task.StopTask();
            }));
        _task = ready.Task.Result;
    }

    protected override void Advance(long step, string summary)
    {
        if (_task is not null)
        {
            _task.Value = step;
            _task.Description = Markup.Escape(summary.Length > 60 ? summary[..60] : summary);
        }
    }

    protected override void Message(string text)
    {
        if (_task is null)
        {
            AnsiConsole.WriteLine(text);
        }
        else
        {
            _pending.Add(text);
        }
    }

    protected override void Finish()
    {
        _finished?.TrySetResult();
        _display?.Wait();
        _task = null;
        foreach (string text in _pending)
        {
            AnsiConsole.WriteLine(text);
        }
        _pending.Clear();
    }
}
