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
internal sealed class LineProgress(TextWriter output, double secondsBetweenLines = 5) : ConsolePrinter
{
    private readonly Stopwatch _clock = new();
    private string _stage = "";
    private long _total, _startStep;
    private double _lastLine = double.NegativeInfinity;

    protected override void Start(string stage, long total, long done)
    {
        (_stage, _total, _startStep) = (stage, total, done);
        _clock.Restart();
        _lastLine = double.NegativeInfinity;
        output.WriteLine($"{stage}: {total} steps{(done > 0 ? $", resuming at {done}" : "")}");
    }

    protected override void Advance(long step, string summary)
    {
        double elapsed = _clock.Elapsed.TotalSeconds;
        if (step < _total && elapsed - _lastLine < secondsBetweenLines)
        {
            return;
        }
        _lastLine = elapsed;
        double rate = (step - _startStep) / Math.Max(elapsed, 1e-9);
        TimeSpan eta = TimeSpan.FromSeconds(rate > 0 ? (_total - step) / rate : 0);
        output.WriteLine($"{_stage}: step {step}/{_total} ({100.0 * step / _total:F0}%) {summary} eta {eta:hh\\:mm\\:ss}");
    }

    protected override void Message(string text) => output.WriteLine(text);

    protected override void Finish() => output.WriteLine($"{_stage}: done in {_clock.Elapsed:hh\\:mm\\:ss}");
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
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
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
