using PeaKd.Sweeps;
using System.Text.Json;
using System.Text.Json.Serialization;
using PeaKd.Folders;
using PeaKd.IO;
using PeaKd.Options;

namespace PeaKd.Slurm;

/// <summary>The commands a sweep's Slurm jobs run, as the application starts them: the shared steps, one cell (its id
/// appended), and the report.</summary>
/// <param name="Prepare">Runs the shared steps (<see cref="SweepRunner.Prepare"/>).</param>
/// <param name="Cell">Runs one cell (<see cref="SweepRunner.RunCell"/>).</param>
/// <param name="Report">Writes the report over the finished cells; null for none.</param>
public sealed record SweepJobCommands(IReadOnlyList<string> Prepare, SweepCellCommand Cell, IReadOnlyList<string>? Report)
{
    /// <summary>Its commands.</summary>
    public override string ToString() => RecordText.Of(this);
}

/// <summary>One submission of a sweep to Slurm: its jobs' ids, kept in the sweep folder's slurm/submissions.json.</summary>
/// <param name="Number">1 for a sweep's first submission; its scripts are in slurm/N/.</param>
/// <param name="SubmittedUtc">When.</param>
/// <param name="Prepare">The shared steps' job.</param>
/// <param name="Arrays">The cells' array jobs (more than one when the cells exceed the cluster's MaxArraySize), each
/// depending on <see cref="Prepare"/> (afterok).</param>
/// <param name="Report">The report's job, depending on every array (afterany, so one failed cell never blocks it); null for none.</param>
/// <param name="Cells">The cells submitted, in array order (task i of the arrays together is cell i).</param>
public sealed record SweepSubmission(int Number, DateTimeOffset SubmittedUtc, string Prepare, IReadOnlyList<SweepArrayJob> Arrays, string? Report, IReadOnlyList<string> Cells)
{
    /// <summary>Its properties and their values.</summary>
    public override string ToString() => RecordText.Of(this);
}

/// <summary>An array job of a submission: task i runs cell <see cref="Offset"/> + i of the submission's list.</summary>
/// <param name="Job">The array's job id.</param>
/// <param name="Offset">Its first cell's index in the submission's list.</param>
/// <param name="Count">Its tasks.</param>
public sealed record SweepArrayJob(string Job, int Offset, int Count)
{
    /// <summary>Its properties and their values.</summary>
    public override string ToString() => RecordText.Of(this);
}

/// <summary>
/// Submits a sweep to Slurm and returns at once: the shared steps as one job, the cells not done as arrays that
/// depend on it (afterok), split to the cluster's MaxArraySize and MaxJobCount with the spec's throttle, and the
/// report as a job that depends on every array with afterany. The scripts and the cells list are kept in the sweep
/// folder's slurm/N/, the job ids in slurm/submissions.json. State stays in the folder: Slurm's queue is a hint.
/// </summary>
public static class SweepSlurm
{
    /// <summary>Submits the cells that are not done (stopped, lost and out-of-memory cells again; failed ones only
    /// with <paramref name="retryFailed"/>; cells Slurm still runs or queues never twice).</summary>
    /// <param name="sweep">The sweep.</param>
    /// <param name="options">The jobs' resources and requeue policy.</param>
    /// <param name="commands">The commands the jobs run.</param>
    /// <param name="retryFailed">Also submit cells whose last attempt failed with an error.</param>
    /// <returns>The submission, or null when no cell needs to run.</returns>
    /// <exception cref="SlurmException">A Slurm tool is missing or refused the job.</exception>
    public static SweepSubmission? Submit(SweepOptions sweep, SlurmOptions options, SweepJobCommands commands, bool retryFailed = false) =>
        Submit(sweep, options, commands, retryFailed, new SlurmCluster());

    /// <summary><see cref="Submit(SweepOptions, SlurmOptions, SweepJobCommands, bool)"/> through <paramref name="cluster"/>'s tools.</summary>
    internal static SweepSubmission? Submit(SweepOptions sweep, SlurmOptions options, SweepJobCommands commands, bool retryFailed, SlurmCluster cluster)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(commands);
        options.Validate();
        commands.Cell.Validate();
        var folder = new SweepFolder(sweep.Folder);
        Directory.CreateDirectory(folder.Root);
        SweepLocking.Check(folder.Root); // before anything is queued: a folder where locks cannot work is refused here
        using FolderLock held = FolderLock.Take(SlurmFolder(folder), "a sweep's Slurm submission");
        IReadOnlyList<SweepSubmission> earlier = ReadSubmissions(folder);
        // seed by seed, as the local executor runs them: a sweep stopped partway has every setting's first seed
        List<int> seeds = sweep.SeedOrder().ToList();
        string[] cells = Status(sweep, cluster, earlier).Where(s => SweepStatus.ShouldStart(sweep, s.Status, retryFailed) && s.Queued is null)
            .OrderBy(s => seeds.IndexOf(s.Status.Cell.Seed)).Select(s => s.Status.Cell.Id).ToArray();
        if (cells.Length == 0)
        {
            return null;
        }
        // the next number after every folder there, recorded or not (a submission that failed partway left one)
        Directory.CreateDirectory(SlurmFolder(folder));
        int number = 1 + Directory.EnumerateDirectories(SlurmFolder(folder)).Select(Path.GetFileName)
            .Select(n => int.TryParse(n, System.Globalization.CultureInfo.InvariantCulture, out int k) ? k : 0).Append(earlier.Count).Max();
        SweepSubmission submission = SubmitJobs(folder, number, cells, options, commands, cluster);
        WriteSubmissions(folder, [.. earlier, submission]);
        return submission;
    }

    /// <summary>Writes slurm/N/ and submits its jobs; when sbatch refuses one (a submit limit, a bad partition), what
    /// was queued already is cancelled, so no job runs that submissions.json does not record.</summary>
    private static SweepSubmission SubmitJobs(SweepFolder folder, int number, string[] cells, SlurmOptions options, SweepJobCommands commands, SlurmCluster cluster)
    {
        string scripts = Path.Combine(SlurmFolder(folder), number.ToString(System.Globalization.CultureInfo.InvariantCulture));
        string cellsFile = Path.Combine(scripts, "cells.txt");
        AtomicFile.WriteAllText(cellsFile, string.Concat(cells.Select(c => c + "\n")));
        string logs = Path.Combine(folder.Root, "logs");
        var queued = new List<string>();
        string Submit(string name, string script)
        {
            string path = Path.Combine(scripts, name + ".sbatch");
            SlurmScript.Write(path, script, logs);
            queued.Add(cluster.Submit(path));
            return queued[^1];
        }
        try
        {
            string prepare = Submit("prepare", SlurmScript.Single(new SlurmSingleJob("prepare", commands.Prepare, logs, options, WorkingFolder: folder.Root)));
            var after = new SlurmDependency(SlurmAfter.Ok, [prepare]);
            SweepArrayJob[] arrays = cluster.Limits().Split(cells.Length).Select((range, i) => new SweepArrayJob(Submit($"cells-{i + 1}", SlurmScript.Array(new SlurmArrayJob(
                "cells", cellsFile, range, commands.Cell.Arguments, logs, options, after, folder.Root, Path.Combine(folder.Root, "attempts")))), range.Offset, range.Count)).ToArray();
            // the report reads files: one core, no GPU, never requeued
            string? report = commands.Report is { } command
                ? Submit("report", SlurmScript.Single(new SlurmSingleJob("report", command, logs, options with { Requeue = false, Gres = null, CpusPerTask = 1 },
                    new SlurmDependency(SlurmAfter.Any, arrays.Select(a => a.Job).ToArray()), folder.Root)))
                : null;
            return new SweepSubmission(number, DateTimeOffset.UtcNow, prepare, arrays, report, cells);
        }
        catch (SlurmException e) when (queued.Count > 0)
        {
            try
            {
                cluster.Cancel(queued);
            }
            catch (SlurmException cancel)
            {
                throw new SlurmException("scancel", $"{e.Message} Cancelling the jobs queued before it ({string.Join(", ", queued)}) failed too: {cancel.Message} Cancel them yourself.", e);
            }
            throw;
        }
    }

    /// <summary>Every planned cell's state from the sweep folder, with what Slurm's queue says of the array task that
    /// runs it in the latest submission that holds it. A cell the folder says is running whose task squeue no longer
    /// knows (a node that failed, a job killed hard) is lost: submit it again.</summary>
    /// <param name="sweep">The sweep.</param>
    public static IReadOnlyList<SweepSlurmCellStatus> Status(SweepOptions sweep) => Status(sweep, new SlurmCluster());

    /// <summary><see cref="Status(SweepOptions)"/> through <paramref name="cluster"/>'s tools.</summary>
    internal static IReadOnlyList<SweepSlurmCellStatus> Status(SweepOptions sweep, SlurmCluster cluster) =>
        Status(sweep, cluster, ReadSubmissions(new SweepFolder(sweep.Folder)));

    private static IReadOnlyList<SweepSlurmCellStatus> Status(SweepOptions sweep, SlurmCluster cluster, IReadOnlyList<SweepSubmission> submissions)
    {
        var tasks = new Dictionary<string, string>(); // cell id -> its array task in the latest submission holding it
        foreach (SweepSubmission submission in submissions)
        {
            foreach (SweepArrayJob array in submission.Arrays)
            {
                for (int i = 0; i < array.Count; i++)
                {
                    tasks[submission.Cells[array.Offset + i]] = $"{array.Job}_{i}";
                }
            }
        }
        string[] arrays = submissions.SelectMany(s => s.Arrays.Select(a => a.Job)).Distinct().ToArray();
        IReadOnlyList<SlurmJobState> queue = arrays.Length == 0 ? [] : cluster.Queue(arrays);
        var states = queue.ToDictionary(q => q.Id, q => q);
        // how tasks the queue has forgotten ended, where the cluster keeps accounting (many do not: then nothing)
        var ended = arrays.Length == 0 || tasks.Values.All(states.ContainsKey) ? new Dictionary<string, SlurmJobState>()
            : cluster.Accounting(arrays).GroupBy(a => a.Id).ToDictionary(g => g.Key, g => g.Last());
        return SweepStatus.Read(sweep).Select(status =>
        {
            SlurmJobState? queued = tasks.TryGetValue(status.Cell.Id, out string? task) && states.TryGetValue(task, out SlurmJobState? state)
                && state.State is "PENDING" or "RUNNING" or "REQUEUED" or "CONFIGURING" or "SUSPENDED" ? state : null;
            SweepCellStatus refined = status.State == SweepCellState.Running && queued is null
                && SweepAttempt.ReadAll(new SweepFolder(sweep.Folder).Attempts(status.Cell.Id)).LastOrDefault()?.SlurmJob is not null
                ? status with { State = SweepCellState.Lost, Message = status.Message ?? "its Slurm task has left the queue without recording how it ended" }
                : status;
            string? accounted = task is not null && !states.ContainsKey(task) && ended.TryGetValue(task, out SlurmJobState? end) ? $"{end.State} {end.Reason}".Trim() : null;
            return new SweepSlurmCellStatus(refined, task, queued is null ? null : $"{queued.State}{(queued.Reason is { Length: > 0 } r and not "None" ? $" ({r})" : "")}", accounted);
        }).ToArray();
    }

    private static string SlurmFolder(SweepFolder folder) => Path.Combine(folder.Root, "slurm");

    private static string SubmissionsFile(SweepFolder folder) => Path.Combine(SlurmFolder(folder), "submissions.json");

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    /// <summary>The sweep's submissions, oldest first; none before the first.</summary>
    internal static IReadOnlyList<SweepSubmission> ReadSubmissions(SweepFolder folder)
    {
        string file = SubmissionsFile(folder);
        if (!File.Exists(file))
        {
            return [];
        }
        var json = JsonFile.ReadSealed(file, required: true);
        return JsonFile.Deserialize<Submissions>(json, file, Json).List;
    }

    private static void WriteSubmissions(SweepFolder folder, IReadOnlyList<SweepSubmission> submissions) =>
        JsonFile.WriteSealed(SubmissionsFile(folder), JsonSerializer.SerializeToNode(new Submissions(submissions), Json)!.AsObject());

    private sealed record Submissions(IReadOnlyList<SweepSubmission> List);
}

/// <summary>A cell's state from the sweep folder, with Slurm's word on the task that runs it.</summary>
/// <param name="Status">The cell and its state (a running cell whose task Slurm no longer knows is lost).</param>
/// <param name="Task">The array task of the latest submission that holds the cell (123_4); null when never submitted.</param>
/// <param name="Queued">Slurm's state of that task while it is queued or running (PENDING (Dependency), RUNNING); null otherwise.</param>
/// <param name="Ended">How sacct says the task ended once the queue has forgotten it (TIMEOUT 0:15), where the cluster
/// keeps accounting; null otherwise.</param>
public sealed record SweepSlurmCellStatus(SweepCellStatus Status, string? Task, string? Queued, string? Ended = null)
{
    /// <summary>Its properties and their values.</summary>
    public override string ToString() => RecordText.Of(this);
}
