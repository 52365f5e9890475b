using System.Diagnostics;
using PeaKd.IO;
using PeaKd.Options;

namespace PeaKd.Sweeps;

/// <summary>Where a cell stands, as its sweep folder tells.</summary>
public enum SweepCellState
{
    /// <summary>No attempt yet.</summary>
    Pending,

    /// <summary>An attempt started and has not ended (on another machine, it may also have been killed: a
    /// scheduler's queue can tell).</summary>
    Running,

    /// <summary>Its result is written.</summary>
    Done,

    /// <summary>Its last attempt was stopped by a signal; the next resumes it.</summary>
    Stopped,

    /// <summary>Its last attempt ran out of memory.</summary>
    OutOfMemory,

    /// <summary>Its last attempt hit a file system error (a full disk, a stale network file handle); run it again.</summary>
    FileSystemError,

    /// <summary>Its last attempt failed with an error the same inputs would raise again; not retried unless asked.</summary>
    Failed,

    /// <summary>Its last attempt started on this machine and its process is gone without saying how it ended
    /// (killed: out of memory, a hard kill, a crash).</summary>
    Lost,

    /// <summary>Not run: the sweep prunes (<see cref="SweepOptions.Prune"/>) and the finished cells showed it cannot
    /// count; the message says why. Run again by a sweep that does not prune.</summary>
    Skipped,
}

/// <summary>A cell and where it stands.</summary>
/// <param name="Cell">The planned cell.</param>
/// <param name="State">Where it stands.</param>
/// <param name="Attempts">The attempts recorded.</param>
/// <param name="Message">Why the last attempt stopped or failed, or the last line of its log; null when done or pending.</param>
/// <param name="Log">The last attempt's log, when an executor wrote one.</param>
public sealed record SweepCellStatus(SweepCell Cell, SweepCellState State, int Attempts, string? Message, string? Log)
{
    /// <summary>Whether an executor should start it: pending, stopped, out of memory, a file system error or lost; failed cells only when
    /// <paramref name="retryFailed"/>.</summary>
    /// <param name="retryFailed">Retry cells whose last attempt failed with a deterministic error.</param>
    public bool Runnable(bool retryFailed) =>
        State is SweepCellState.Pending or SweepCellState.Stopped or SweepCellState.OutOfMemory or SweepCellState.FileSystemError or SweepCellState.Lost
        || (retryFailed && State == SweepCellState.Failed);

    /// <summary>Its properties and their values.</summary>
    public override string ToString() => RecordText.Of(this);
}

/// <summary>Reads where every planned cell of a sweep stands from the sweep folder alone: results/ID.json, then
/// attempts/ID/N.json and logs/ID/N.log.</summary>
public static class SweepStatus
{
    /// <summary>Every planned cell, in plan order, with its state.</summary>
    /// <param name="sweep">The sweep.</param>
    public static IReadOnlyList<SweepCellStatus> Read(SweepOptions sweep)
    {
        SweepPlan plan = SweepPlanner.Plan(sweep);
        var folder = new SweepFolder(sweep.Folder);
        return plan.Cells.Select(cell => Of(cell, folder)).ToArray();
    }

    /// <summary>The cells an executor should start, seed by seed (every setting's first seed, then every setting's
    /// second, ...), so that a sweep stopped partway has a first result for every setting rather than all the seeds of
    /// a few.</summary>
    internal static SweepCellStatus[] Runnable(SweepOptions sweep, bool retryFailed)
    {
        List<int> seeds = sweep.SeedOrder().ToList(); // with groups: each seed where a group first names it
        return Read(sweep).Where(s => ShouldStart(sweep, s, retryFailed)).OrderBy(s => seeds.IndexOf(s.Cell.Seed)).ToArray();
    }

    /// <summary>Whether an executor of <paramref name="sweep"/> should start the cell: <see cref="SweepCellStatus.Runnable"/>,
    /// or skipped by a rule the sweep no longer applies (while it prunes, a skipped cell stays skipped).</summary>
    internal static bool ShouldStart(SweepOptions sweep, SweepCellStatus status, bool retryFailed) =>
        status.Runnable(retryFailed) || (status.State == SweepCellState.Skipped && !sweep.Prune);

    internal static SweepCellStatus Of(SweepCell cell, SweepFolder folder)
    {
        IReadOnlyList<SweepAttempt> attempts = SweepAttempt.ReadAll(folder.Attempts(cell.Id));
        if (File.Exists(folder.Result(cell.Id)))
        {
            return new(cell, SweepCellState.Done, attempts.Count, null, attempts.LastOrDefault()?.Log);
        }
        if (attempts.LastOrDefault() is not { } last)
        {
            return new(cell, SweepCellState.Pending, 0, null, null);
        }
        SweepCellState state = last.Outcome switch
        {
            SweepAttemptOutcome.Running => Alive(last) ? SweepCellState.Running : SweepCellState.Lost,
            SweepAttemptOutcome.Stopped => SweepCellState.Stopped,
            SweepAttemptOutcome.OutOfMemory => SweepCellState.OutOfMemory,
            SweepAttemptOutcome.FileSystemError => SweepCellState.FileSystemError,
            SweepAttemptOutcome.Failed => SweepCellState.Failed,
            SweepAttemptOutcome.Skipped => SweepCellState.Skipped,
            _ => SweepCellState.Done, // an attempt said done, yet no result: treated as not run below
        };
        if (state == SweepCellState.Done)
        {
            state = SweepCellState.Lost; // the result file is gone (deleted by hand): run it again
        }
        string? message = last.Message ?? (state is SweepCellState.Lost or SweepCellState.Running ? LastLine(last.Log) : null);
        return new(cell, state, attempts.Count, message, last.Log);
    }

    /// <summary>Whether the attempt's process may still be running: on another machine it cannot be told (true); on
    /// this one, whether a process with its id is alive and started before the attempt did.</summary>
    private static bool Alive(SweepAttempt attempt)
    {
        if (attempt.Host != Environment.MachineName)
        {
            return true;
        }
        if (Zombie(attempt.ProcessId))
        {
            return false; // killed, and not yet reaped (in a container without an init that reaps, it may never be)
        }
        try
        {
            using var process = Process.GetProcessById(attempt.ProcessId);
            return !process.HasExited && process.StartTime.ToUniversalTime() <= attempt.StartedUtc.UtcDateTime.AddSeconds(1);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false; // no such process
        }
    }

    /// <summary>Whether Linux's /proc says the process has ended but not been reaped (state Z or X).</summary>
    private static bool Zombie(int processId)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{processId}/stat");
            int end = stat.LastIndexOf(')'); // the name in parentheses may hold spaces
            return end > 0 && end + 2 < stat.Length && stat[end + 2] is 'Z' or 'X';
        }
        catch (IOException)
        {
            return false; // no /proc, or no such process: the checks below tell
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The last non-empty line of a log, or null when there is none.</summary>
    internal static string? LastLine(string? log)
    {
        if (log is null || !File.Exists(log))
        {
            return null;
        }
        using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        long from = Math.Max(0, stream.Length - 4096); // the tail is enough for one line
        stream.Seek(from, SeekOrigin.Begin);
        string tail = new StreamReader(stream).ReadToEnd();
        return tail.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0);
    }
}
