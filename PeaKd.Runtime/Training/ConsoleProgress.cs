using System.Diagnostics;
using Spectre.Console;

namespace PeaKd.Training;

/// <summary>
/// Training progress on the console: a Spectre.Console progress bar with ETA when the console is interactive,
/// plain lines otherwise (redirected output, CI), since Spectre draws nothing then.
/// </summary>
public static class ConsoleProgress
{
    public static ITrainingProgress Create() =>
        !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive ? new BarProgress() : new LineProgress(Console.Out);
}

/// <summary>One line every few seconds: stage, step, percent, losses, ETA.</summary>
public sealed class LineProgress(TextWriter output, double secondsBetweenLines = 5) : ITrainingProgress
{
    private readonly Stopwatch _clock = new();
    private string _stage = "";
    private long _total, _startStep;
    private double _lastLine = double.NegativeInfinity;

    public void Start(string stage, long total, long done)
    {
        (_stage, _total, _startStep) = (stage, total, done);
        _clock.Restart();
        _lastLine = double.NegativeInfinity;
        output.WriteLine($"{stage}: {total} steps{(done > 0 ? $", resuming at {done}" : "")}");
    }

    public void Advance(long step, string summary)
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

    public void Message(string text) => output.WriteLine(text);

    public void Finish() => output.WriteLine($"{_stage}: done in {_clock.Elapsed:hh\\:mm\\:ss}");
}

/// <summary>A live Spectre.Console bar per stage; messages wait until the bar is gone, so they do not tear it.</summary>
internal sealed class BarProgress : ITrainingProgress
{
    private readonly List<string> _pending = [];
    private ProgressTask? _task;
    private Task? _display;
    private TaskCompletionSource? _finished;

    public void Start(string stage, long total, long done)
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

    public void Advance(long step, string summary)
    {
        if (_task is not null)
        {
            _task.Value = step;
            _task.Description = Markup.Escape(summary.Length > 60 ? summary[..60] : summary);
        }
    }

    public void Message(string text)
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

    public void Finish()
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
