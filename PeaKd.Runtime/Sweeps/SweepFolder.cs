using PeaKd.IO;

namespace PeaKd.Sweeps;

/// <summary>
/// Where a sweep keeps its state: the folder is the only source of truth (a scheduler's queue is a hint), so any
/// executor on any machine that sees the folder can tell what is done.
/// <code>
/// sweep.json               the sweep's identity: teacher, data, version (SweepIdentity)
/// teacher/                 the fine-tuned teacher, when the sweep fine-tunes one
/// records/L128/            the teacher record at each max length the cells use, computed once
/// cells/ID/                a cell's run folder
/// results/ID.json          a finished cell (SweepCellResult), by atomic rename: the done marker
/// attempts/ID/N.json       each attempt at a cell: when, where, how it ended
/// logs/ID/N.log            the output of an attempt an executor started
/// </code>
/// </summary>
internal sealed class SweepFolder(string root)
{
    public string Root { get; } = FolderPaths.Full(root);

    public string IdentityFile => Path.Combine(Root, "sweep.json");
    public string TeacherFolder => Path.Combine(Root, "teacher");
    public string Records(int maxLength) => Path.Combine(Root, "records", $"L{maxLength}");
    public string Cell(string id) => Path.Combine(Root, "cells", id);
    public string ResultsFolder => Path.Combine(Root, "results");
    public string Result(string id) => Path.Combine(ResultsFolder, id + ".json");
    public string Attempts(string id) => Path.Combine(Root, "attempts", id);
    public string Logs(string id) => Path.Combine(Root, "logs", id);

    /// <summary>The log file of the next attempt an executor starts for <paramref name="id"/>: logs/ID/N.log, N one
    /// past the attempts recorded so far (the attempt the cell is about to record).</summary>
    public string NextLog(string id)
    {
        Directory.CreateDirectory(Logs(id));
        return Path.Combine(Logs(id), $"{SweepAttempt.Count(Attempts(id)) + 1}.log");
    }

    /// <summary>The ids of every cell with a result file.</summary>
    public IReadOnlyList<string> FinishedIds() =>
        Directory.Exists(ResultsFolder)
            ? Directory.EnumerateFiles(ResultsFolder, "*.json").Select(Path.GetFileNameWithoutExtension).OfType<string>()
                .Order(StringComparer.Ordinal).ToArray() // an atomic write's temporary file ends in .tmp: never listed
            : [];
}
