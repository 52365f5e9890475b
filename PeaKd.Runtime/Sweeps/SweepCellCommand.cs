using PeaKd.Options;

namespace PeaKd.Sweeps;

/// <summary>
/// The command that runs one cell in a process of its own, for executors that start processes (this machine's
/// <see cref="SweepLocalExecutor"/>, a Slurm array, a Kubernetes indexed job): <see cref="Arguments"/> with the cell's
/// id appended. The application supplies it, since only it knows how it is started; the command must call
/// <see cref="SweepRunner.RunCell"/> and exit 0 when the cell is done (or skipped by a sweep that prunes), 130 or 143
/// when a signal stopped it, and another code when it failed. Cells run in processes of their own because a process has one global random
/// generator and one thread pool: two cells in one process would not be reproducible.
/// </summary>
/// <param name="Arguments">The program and its arguments before the cell id, e.g. <c>["/usr/bin/app", "run-cell", "spec.json"]</c>.</param>
public sealed record SweepCellCommand(IReadOnlyList<string> Arguments)
{
    /// <summary>The full command line of cell <paramref name="id"/>.</summary>
    /// <param name="id">A cell id.</param>
    public IReadOnlyList<string> For(string id) => [.. Arguments, id];

    /// <summary>One line a POSIX shell runs as the same command, each argument quoted where it needs it.</summary>
    /// <param name="id">A cell id, or a shell expression such as <c>"$CELL"</c> left as it is when <paramref name="idIsShell"/>.</param>
    /// <param name="idIsShell">Whether <paramref name="id"/> is shell text to expand rather than a literal id.</param>
    public string ShellLine(string id, bool idIsShell = false) =>
        string.Join(" ", Arguments.Select(Quote).Append(idIsShell ? id : Quote(id)));

    /// <summary>A word as a POSIX shell reads it literally: bare when it holds only safe characters, else in single quotes.</summary>
    internal static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,+@%".Contains(c)) ? word : $"'{word.Replace("'", "'\\''")}'";

    /// <summary>Throws <see cref="InvalidOptionException"/> when there is no program to run.</summary>
    internal void Validate()
    {
        if (Arguments is null || Arguments.Count == 0 || string.IsNullOrWhiteSpace(Arguments[0]))
        {
            throw new InvalidOptionException($"{nameof(SweepCellCommand)}.{nameof(Arguments)}", "is empty; give the program that runs one cell, and its arguments before the cell id.");
        }
    }

    /// <summary>Its arguments.</summary>
    public override string ToString() => string.Join(" ", Arguments.Select(Quote));
}
