using System.Diagnostics;
using System.Runtime.InteropServices;
using PeaKd.Training;

namespace PeaKd.Sweeps;

/// <summary>
/// Runs a sweep on this machine: the shared steps in this process, then every cell that is not done, each in a
/// process of its own (<see cref="SweepCellCommand"/>), <c>parallel</c> at a time, the cores shared out among them
/// (OMP_NUM_THREADS). Each attempt's output goes to logs/ID/N.log. One failed cell does not stop the others.
/// Cancelling sends SIGTERM to the running cells, which stop after their current step, resumably, and waits for them.
/// </summary>
public static class SweepLocalExecutor
{
    /// <summary>Cells at once when not given: one per 4 cores, at least 1, so that many cells' memory stays small on a
    /// large machine. On 2 idle cores, 2 cells of 1 thread finished 1.27 to 1.35 times sooner than 1 of 2 threads
    /// (docs/SCALING.md): where memory allows, pass more.</summary>
    public static int DefaultParallel => Math.Max(1, Environment.ProcessorCount / 4);

    /// <summary>Runs the shared steps, then the cells that are not done.</summary>
    /// <param name="sweep">The sweep.</param>
    /// <param name="command">The command that runs one cell.</param>
    /// <param name="parallel">Cells at once, each with cores / parallel threads (however many remain); null for <see cref="DefaultParallel"/>.</param>
    /// <param name="retryFailed">Also run cells whose last attempt failed with an error the same inputs would raise again.</param>
    /// <param name="progress">The shared steps' training progress and a note per cell started and ended; null for none.</param>
    /// <param name="cancellation">Stops the shared steps, or the running cells, after their current step.</param>
    public static IReadOnlyList<SweepCellStatus> Run(SweepOptions sweep, SweepCellCommand command, int? parallel = null, bool retryFailed = false,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Validate();
        int cells = parallel ?? DefaultParallel;
        if (cells < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(parallel), cells, "Run at least one cell at once.");
        }
        SweepRunner.Prepare(sweep, progress, cancellation);
        var folder = new SweepFolder(sweep.Folder);
        SweepCellStatus[] runnable = SweepStatus.Runnable(sweep, retryFailed);
        // the same share however many cells remain: runs are the same to the bit only at the same thread count
        int threads = Math.Max(1, Environment.ProcessorCount / cells);
        var running = new List<Task>();
        foreach (SweepCellStatus cell in runnable)
        {
            if (cancellation.IsCancellationRequested)
            {
                break;
            }
            if (running.Count == cells)
            {
                running.Remove(Task.WhenAny(running).Result);
            }
            running.Add(Task.Run(() => RunOne(cell.Cell, folder, command, threads, progress, cancellation)));
        }
        Task.WaitAll(running);
        cancellation.ThrowIfCancellationRequested();
        return SweepStatus.Read(sweep);
    }

    /// <summary>Runs one cell's process to its end, its output in the attempt's log; SIGTERM on cancellation.</summary>
    private static void RunOne(SweepCell cell, SweepFolder folder, SweepCellCommand command, int threads, IProgress<TrainingProgress>? progress, CancellationToken cancellation)
    {
        string log = folder.NextLog(cell.Id);
        var start = new ProcessStartInfo(command.Arguments[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in command.For(cell.Id).Skip(1))
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["OMP_NUM_THREADS"] = threads.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["PEAKD_SWEEP_LOG"] = log;
        Note(progress, $"cell {cell}: started, {threads} threads, log {log}");
        using var writer = new StreamWriter(log, append: true) { AutoFlush = true };
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"{command.Arguments[0]}: could not start the cell's process.");
        process.OutputDataReceived += (_, e) => Write(writer, e.Data);
        process.ErrorDataReceived += (_, e) => Write(writer, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using (cancellation.Register(() => Terminate(process)))
        {
            process.WaitForExit();
        }
        string ending = process.ExitCode switch
        {
            0 when SweepStatus.Of(cell, folder) is { State: SweepCellState.Skipped } skipped => $"skipped: {skipped.Message}",
            0 => "done",
            130 or 143 => "stopped by a signal; a later run resumes it",
            int code => $"failed (exit {code}): {SweepStatus.LastLine(log)}",
        };
        Note(progress, $"cell {cell.Id}: {ending}");
    }

    private static void Write(StreamWriter writer, string? line)
    {
        if (line is not null)
        {
            lock (writer)
            {
                writer.WriteLine(line);
            }
        }
    }

    private static void Note(IProgress<TrainingProgress>? progress, string message) => progress?.Report(TrainingProgress.Note("sweep", message));

    /// <summary>SIGTERM, so the cell stops after its current step with every file complete (Kill would leave it
    /// mid-write; the run survives that too, but loses the step).</summary>
    private static void Terminate(Process process)
    {
        try
        {
            if (OperatingSystem.IsWindows() || SendSignal(process.Id, SigTerm) != 0)
            {
                process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    private const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}
