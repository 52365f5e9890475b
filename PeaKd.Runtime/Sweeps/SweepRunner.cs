using System.Text.Json.Nodes;
using PeaKd.Distillation;
using PeaKd.Folders;
using PeaKd.IO;
using PeaKd.Training;

namespace PeaKd.Sweeps;

/// <summary>
/// Runs a sweep's steps in this process: <see cref="Prepare"/> the shared steps once, then <see cref="RunCell"/> for
/// each cell, by any executor (this machine's <see cref="SweepLocalExecutor"/>, a Slurm array task, a Kubernetes
/// index). State lives only in the sweep folder (<see cref="SweepFolder"/>): a cell is done when its results/ID.json
/// exists, so running a cell again is a no-op, and an interrupted cell resumes where it stopped.
/// </summary>
public static class SweepRunner
{
    /// <summary>The shared steps, before any cell: records the sweep's identity in sweep.json (or refuses a folder made
    /// for another teacher or data), fine-tunes the teacher into the sweep's teacher/ folder when the spec asks
    /// (resuming an interrupted fine-tuning, reusing a finished one), and computes the teacher record at each max
    /// length the cells use. Running it again redoes nothing finished.</summary>
    /// <param name="sweep">The sweep.</param>
    /// <param name="progress">Receives the fine-tuning's steps and notes; null for none.</param>
    /// <param name="cancellation">Stops the fine-tuning after its current step, resumably.</param>
    public static SweepPreparation Prepare(SweepOptions sweep, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        SweepPlan plan = SweepPlanner.Plan(sweep);
        var folder = new SweepFolder(sweep.Folder);
        Directory.CreateDirectory(folder.Root);
        SweepLocking.Check(folder.Root);
        using FolderLock held = WaitForLock(Path.Combine(folder.Root, "shared"), "a sweep's shared steps", progress, cancellation);
        int[] lengths = plan.Cells.Select(c => c.Options.MaxLength).Distinct().Order().ToArray();
        var identity = SweepIdentity.Of(sweep, lengths[^1]);
        CheckFinished(folder, identity);
        identity.RecordOrCheck(folder);
        string teacher = sweep.FineTuneTeacher ? FineTuneTeacher(sweep, folder, lengths[^1], progress, cancellation) : identity.Teacher;
        foreach (SweepCell first in lengths.Select(length => plan.Cells.First(c => c.Options.MaxLength == length)))
        {
            cancellation.ThrowIfCancellationRequested();
            TeacherRecords.Compute(TeacherRecordOptions.From(first.Options), progress, cancellation); // exactly the record the cells' runs then reuse
        }
        return new SweepPreparation(folder.Root, identity.Hash, teacher, lengths.Select(folder.Records).ToArray());
    }

    /// <summary>Why the planned cells finished so far show <paramref name="cell"/> cannot count (<see cref="SweepPruning"/>),
    /// or null. The teacher's dev score comes from the run of a finished cell at the same max length, where one is
    /// still there. The rule is optional, so evidence that cannot be read judges nothing: the cell runs.</summary>
    private static string? PruneReason(SweepOptions sweep, SweepPlan plan, SweepCell cell, SweepFolder folder, IProgress<TrainingProgress>? progress)
    {
        try
        {
            var planned = plan.Cells.ToDictionary(c => c.Id);
            SweepCellResult[] finished = folder.FinishedIds().Where(planned.ContainsKey).Select(f => SweepCellResult.Read(folder.Result(f))).ToArray();
            Data.Metrics.SplitMetrics? teacherDev = finished.Where(r => planned[r.Id].Options.MaxLength == cell.Options.MaxLength)
                .Select(r => folder.Cell(r.Id)).Where(run => File.Exists(Path.Combine(run, "summary.json")))
                .Select(run => FinishedRun(run).Teacher.Metrics.GetValueOrDefault("dev")).FirstOrDefault(dev => dev is not null);
            return SweepPruning.Reason(sweep.Budget, cell, plan.Cells, finished, teacherDev);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            progress?.Report(TrainingProgress.Note("sweep", $"cell {cell}: not pruned, since the finished cells could not be read ({FirstLine(e.Message)}); it runs"));
            return null;
        }
    }

    /// <summary>Refuses a sweep whose finished cells other code ran (or another sweep, copied in): one front must not
    /// mix them silently. Every result is read, so a damaged one is named here, before anything runs.</summary>
    private static void CheckFinished(SweepFolder folder, SweepIdentity identity)
    {
        SweepCellResult[] others = folder.FinishedIds().Select(id => SweepCellResult.Read(folder.Result(id)))
            .Where(r => r.Code != identity.Code || r.Sweep != identity.Hash).ToArray();
        if (others.Length > 0)
        {
            SweepCellResult first = others[0];
            string what = first.Sweep != identity.Hash ? $"belongs to sweep {first.Sweep}, not this one ({identity.Hash})"
                : $"was run by other code (PeaKd {first.PeakdVersion}, code {first.Code}; this is code {identity.Code})";
            throw new InvalidOperationException(
                $"{folder.Result(first.Id)} {what}{(others.Length > 1 ? $", as are {others.Length - 1} more results" : "")}. A sweep's cells must come from one build of one program and one sweep, so that the front compares like with like: finish the sweep with the build that started it, or start a new sweep folder (moving results/ aside reruns those cells).");
        }
    }

    /// <summary>Takes the lock at <paramref name="folder"/>, waiting while another holds it (a second submission's
    /// shared steps wait for the first's, then find its work done).</summary>
    private static FolderLock WaitForLock(string folder, string writer, IProgress<TrainingProgress>? progress, CancellationToken cancellation)
    {
        string full = IO.FolderPaths.Full(folder);
        string lockFile = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.lock");
        for (long said = 0; ; cancellation.WaitHandle.WaitOne(TimeSpan.FromSeconds(2)))
        {
            cancellation.ThrowIfCancellationRequested();
            if (FolderLock.TryTake(lockFile, writer, out string holder) is { } taken)
            {
                return taken;
            }
            if (Environment.TickCount64 - said > 60_000)
            {
                progress?.Report(TrainingProgress.Note("sweep", $"waiting for {holder}, which holds {folder}"));
                said = Environment.TickCount64;
            }
        }
    }

    /// <summary>The teacher fine-tuned once, at the longest length a cell uses: a finished fine-tuning is kept as it
    /// is (the identity check above has refused other settings), an interrupted one resumes.</summary>
    private static string FineTuneTeacher(SweepOptions sweep, SweepFolder folder, int maxLength, IProgress<TrainingProgress>? progress, CancellationToken cancellation)
    {
        if (File.Exists(Path.Combine(folder.TeacherFolder, "summary.json")))
        {
            progress?.Report(TrainingProgress.Note("sweep", $"teacher: {folder.TeacherFolder} is fine-tuned already; reused"));
            return folder.TeacherFolder;
        }
        bool started = Directory.Exists(folder.TeacherFolder) && Directory.EnumerateFileSystemEntries(folder.TeacherFolder).Any();
        return PeaKdPipeline.FineTune(new FineTuneOptions
        {
            Data = sweep.Data,
            Teacher = sweep.Teacher,
            OutputFolder = folder.TeacherFolder,
            MaxLength = maxLength,
            Training = sweep.FineTuning,
            Resume = started,
        }, progress, cancellation).Folder;
    }

    /// <summary>Runs one cell: its pipeline run (resumed when an earlier attempt stopped), then the serving cost of
    /// its int8 export, then results/ID.json. A cell with a result already is not run again; its result is returned.
    /// Each attempt is recorded in attempts/ID/N.json with how it ended. Where the sweep prunes
    /// (<see cref="SweepOptions.Prune"/>) and the finished cells show this one cannot count, it is not run: its attempt
    /// ends skipped, saying why, and the result is null.</summary>
    /// <param name="sweep">The sweep.</param>
    /// <param name="id">The cell's id, as planned (<see cref="SweepCell.Id"/>).</param>
    /// <param name="progress">Receives the run's steps and notes; null for none.</param>
    /// <param name="cancellation">Stops the run after its current step; the next attempt resumes it.</param>
    /// <exception cref="ArgumentException">The id is not a cell of the sweep.</exception>
    /// <exception cref="InvalidOperationException">The shared steps have not run, or the sweep folder is another sweep's.</exception>
    public static SweepCellResult? RunCell(SweepOptions sweep, string id, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        SweepPlan plan = SweepPlanner.Plan(sweep);
        SweepCell cell = Find(plan, id);
        var folder = new SweepFolder(sweep.Folder);
        if (File.Exists(folder.Result(id)))
        {
            return SweepCellResult.Read(folder.Result(id));
        }
        SweepIdentity identity = CheckPrepared(sweep, plan, folder);
        // one executor at a time per cell, from its first step to its result: another is refused (FolderInUseException)
        using FolderLock cellLock = FolderLock.Take(folder.Attempts(id), "a sweep cell's executor");
        if (File.Exists(folder.Result(id)))
        {
            return SweepCellResult.Read(folder.Result(id)); // finished while this one waited to start
        }
        // only a cell that has not started: what an earlier attempt trained is never thrown away
        bool fresh = !Directory.Exists(cell.Options.OutputFolder) && SweepAttempt.ReadAll(folder.Attempts(id)).All(a => a.Outcome == SweepAttemptOutcome.Skipped);
        SweepAttempt attempt = SweepAttempt.Start(folder.Attempts(id));
        if (sweep.Prune && fresh && PruneReason(sweep, plan, cell, folder, progress) is string why)
        {
            attempt.End(folder.Attempts(id), SweepAttemptOutcome.Skipped, why);
            progress?.Report(TrainingProgress.Note("sweep", $"cell {cell}: skipped: {why}"));
            return null;
        }
        try
        {
            SweepCellResult result = Run(cell, folder, identity, attempt, progress, cancellation);
            attempt.End(folder.Attempts(id), SweepAttemptOutcome.Done, null);
            return result;
        }
        catch (Exception e)
        {
            attempt.End(folder.Attempts(id), OutcomeOf(e), FirstLine(e.Message));
            throw;
        }
    }

    private static SweepCellResult Run(SweepCell cell, SweepFolder folder, SweepIdentity identity, SweepAttempt attempt, IProgress<TrainingProgress>? progress, CancellationToken cancellation)
    {
        bool finished = File.Exists(Path.Combine(cell.Options.OutputFolder, "summary.json"));
        DistillationResult run = finished
            ? FinishedRun(cell.Options.OutputFolder) // the run finished and the attempt stopped before its result
            : PeaKdPipeline.Run(cell.Options with { Resume = true }, progress, cancellation);
        cancellation.ThrowIfCancellationRequested();
        var measuring = System.Diagnostics.Stopwatch.StartNew();
        ServingCost serving = ServingMeasurement.Measure(run.Paths.Student, cell.Options.Data, cell.Options.MaxLength,
            // one thread, whatever share of the cores the cell trained with: latencies of one sweep compare only so
            Path.Combine(cell.Options.OutputFolder, "onnx-int8"), new ServingMeasurementSettings { Threads = 1 }, cancellation);
        IReadOnlyList<SweepAttempt> attempts = SweepAttempt.ReadAll(folder.Attempts(cell.Id));
        var result = new SweepCellResult
        {
            Id = cell.Id,
            Student = cell.Student.Name,
            Recipe = cell.Recipe,
            Seed = cell.Seed,
            Settings = cell.Settings,
            OwnedParameters = run.OwnedParameters,
            OwnedLayers = run.OwnedLayers,
            EffectiveDepth = run.EffectiveDepth,
            Metrics = run.Metrics,
            PositiveLabel = run.PositiveLabel,
            Serving = serving,
            TrainingSeconds = run.TrainingSeconds,
            RunSeconds = finished ? 0 : run.WallSeconds,
            ServingSeconds = measuring.Elapsed.TotalSeconds,
            // ended attempts, and this one; an attempt whose process vanished has no end and counts for nothing
            WallSeconds = attempts.Where(a => a.EndedUtc is not null).Sum(a => (a.EndedUtc!.Value - a.StartedUtc).TotalSeconds) + (DateTimeOffset.UtcNow - attempt.StartedUtc).TotalSeconds,
            Attempts = attempt.Number,
            Sweep = identity.Hash,
            PeakdVersion = identity.PeakdVersion,
            Code = identity.Code,
            FinishedUtc = DateTimeOffset.UtcNow,
        };
        result.Write(folder.Result(cell.Id));
        return result;
    }

    /// <summary>Removes the temporary files that writers killed mid-write left anywhere in the sweep folder (no reader
    /// ever opens them); returns how many. Refused while a cell runs (its writes in progress are temporary files too).</summary>
    /// <param name="sweep">The sweep.</param>
    /// <exception cref="InvalidOperationException">A cell is running.</exception>
    public static int Clean(SweepOptions sweep)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        string[] running = SweepStatus.Read(sweep).Where(s => s.State == SweepCellState.Running).Select(s => s.Cell.Id).ToArray();
        if (running.Length > 0)
        {
            throw new InvalidOperationException(
                $"{sweep.Folder}: {running.Length} cells are running ({string.Join(", ", running.Take(5))}{(running.Length > 5 ? ", ..." : "")}), and their files being written are temporary files too. Clean when no cell runs.");
        }
        return AtomicFile.RemoveTemporaries(new SweepFolder(sweep.Folder).Root);
    }

    private static SweepCell Find(SweepPlan plan, string id) =>
        plan.Cells.FirstOrDefault(c => c.Id == id)
        ?? throw new ArgumentException($"'{id}' is not a cell of this sweep: its plan has {plan.Cells.Count} cells ({string.Join(", ", plan.Cells.Take(4).Select(c => c.Id))}{(plan.Cells.Count > 4 ? ", ..." : "")}). Plan the sweep to list them.");

    /// <summary>The identity sweep.json records, checked against the sweep as it is now.</summary>
    private static SweepIdentity CheckPrepared(SweepOptions sweep, SweepPlan plan, SweepFolder folder)
    {
        if (!File.Exists(folder.IdentityFile))
        {
            throw new InvalidOperationException($"{folder.IdentityFile} does not exist: the sweep's shared steps have not run. Run SweepRunner.Prepare first, once, then the cells.");
        }
        SweepIdentity recorded = SweepIdentity.Read(folder.IdentityFile);
        var now = SweepIdentity.Of(sweep, plan.Cells.Max(c => c.Options.MaxLength));
        now.CheckAgainst(recorded, folder.IdentityFile);
        if (recorded.Code != now.Code)
        {
            throw new InvalidOperationException(
                $"{folder.IdentityFile}: the sweep's shared steps last ran with other code (code {recorded.Code}; this is {now.Code}), so the finished cells were not checked against this build. Run SweepRunner.Prepare again with this build, then the cells.");
        }
        if (sweep.FineTuneTeacher && !File.Exists(Path.Combine(folder.TeacherFolder, "summary.json")))
        {
            throw new InvalidOperationException($"{folder.TeacherFolder} holds no finished fine-tuning: the sweep's shared steps have not finished. Run SweepRunner.Prepare until it does, then the cells.");
        }
        return now;
    }

    /// <summary>The result a finished run folder's summary.json records (sealed; a damaged one is refused).</summary>
    private static DistillationResult FinishedRun(string runFolder)
    {
        string path = Path.Combine(runFolder, "summary.json");
        JsonObject summary = JsonFile.ReadSealed(path, required: true);
        return JsonFile.Deserialize<DistillationResult>(summary, path, ResultJson.Options);
    }

    private static SweepAttemptOutcome OutcomeOf(Exception e) => e switch
    {
        OperationCanceledException => SweepAttemptOutcome.Stopped,
        OutOfMemoryException => SweepAttemptOutcome.OutOfMemory,
        IOException when e is not (IO.CorruptFileException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException) => SweepAttemptOutcome.FileSystemError,
        System.Runtime.InteropServices.ExternalException when e.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase) => SweepAttemptOutcome.OutOfMemory,
        _ => SweepAttemptOutcome.Failed,
    };

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}

/// <summary>What the shared steps produced.</summary>
/// <param name="Folder">The sweep folder.</param>
/// <param name="Sweep">The sweep's identity hash (sweep.json).</param>
/// <param name="Teacher">The teacher every cell reads.</param>
/// <param name="Records">The teacher record folders, one per max length the cells use.</param>
public sealed record SweepPreparation(string Folder, string Sweep, string Teacher, IReadOnlyList<string> Records)
{
    /// <summary>Its properties and their values.</summary>
    public override string ToString() => Options.RecordText.Of(this);
}
