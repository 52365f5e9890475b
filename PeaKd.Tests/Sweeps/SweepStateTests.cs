using PeaKd.Data.Metrics;
using PeaKd.Distillation;
using PeaKd.Sweeps;
using PeaKd.Tests.Infrastructure;
using PeaKd.Training;
using Xunit;
using SamplesCatalog = PeaKd.Samples.Students.StudentCatalog;

namespace PeaKd.Tests.Sweeps;

/// <summary>The sweep folder as the one source of truth: sweep.json's identity, results from one version, attempts
/// read into states, the lock check, and the commands other engines run.</summary>
[Collection(TrainingCollection.Name)] // libtorch in this process: one test at a time, as the other training tests
public class SweepStateTests
{
    /// <summary>A fine-tuned tiny teacher (teacher/) and the tiny task (data/), and a sweep of 2 students x 2 seeds over them.</summary>
    private static SweepOptions Sweep(TempFolder folder)
    {
        TinyTask.WriteData(folder.File("data"));
        TinyTask.WriteRandomTeacher(folder.File("pretrained"));
        PeaKdPipeline.FineTune(TinyTask.FineTune(folder, new TrainingOptions { Epochs = 1, BatchSize = 32, LearningRate = 1e-3, Seed = 1 }));
        File.WriteAllText(folder.File("spec.json"), """
            {
              "folder": "sweep", "teacher": "teacher", "data": { "task": "tsv", "folder": "data" },
              "students": ["Bert1", "PeaBert1"], "recipes": ["kd", "sps"], "axes": { "max_length": [16] }, "seeds": [1, 2]
            }
            """);
        return SweepSpec.Load(folder.File("spec.json"), SamplesCatalog.All);
    }

    [Fact]
    public void A_cell_runs_only_after_the_shared_steps_and_an_unknown_id_is_named()
    {
        using TempFolder folder = TestFiles.TempFolder();
        SweepOptions sweep = Sweep(folder);
        string id = SweepPlanner.Plan(sweep).Cells[0].Id;
        var notPrepared = Assert.Throws<InvalidOperationException>(() => SweepRunner.RunCell(sweep, id));
        Assert.Contains("sweep.json does not exist: the sweep's shared steps have not run", notPrepared.Message);
        var unknown = Assert.Throws<ArgumentException>(() => SweepRunner.RunCell(sweep, "0123456789ab"));
        Assert.StartsWith("'0123456789ab' is not a cell of this sweep: its plan has 4 cells", unknown.Message);
        Assert.False(Directory.Exists(folder.File("sweep/attempts")), "a refused cell records no attempt");
    }

    [Fact]
    public void A_sweep_folder_refuses_another_teacher_or_other_data()
    {
        using TempFolder folder = TestFiles.TempFolder();
        SweepOptions sweep = Sweep(folder);
        SweepRunner.Prepare(sweep);
        // the shared steps record the teacher's pass over every labelled split, test too, so cells only read
        Assert.Equal(["record-dev.safetensors", "record-test.safetensors", "record-train.safetensors"],
            Directory.GetFiles(folder.File("sweep/records/L16"), "*.safetensors").Select(Path.GetFileName).Order(StringComparer.Ordinal));
        SweepRunner.Prepare(sweep); // the same sweep again: nothing to refuse
        File.AppendAllText(folder.File("data/dev.tsv"), "tok1 tok2 tok11\tgreat\n");
        var data = Assert.Throws<InvalidOperationException>(() => SweepRunner.Prepare(sweep));
        Assert.Contains("this sweep folder belongs to another sweep; the data:", data.Message);

        using TempFolder other = TestFiles.TempFolder();
        SweepOptions otherTeacher = Sweep(other) with { Folder = folder.File("sweep"), Data = sweep.Data };
        TinyTask.WriteData(folder.File("data")); // the data as it was
        File.WriteAllBytes(folder.File("teacher/model.safetensors"), File.ReadAllBytes(other.File("pretrained/model.safetensors")));
        var teacher = Assert.Throws<InvalidOperationException>(() => SweepRunner.Prepare(sweep));
        Assert.Contains("this sweep folder belongs to another sweep; the teacher:", teacher.Message);
    }

    [Fact]
    public void Finished_cells_of_another_version_are_refused_before_anything_runs()
    {
        using TempFolder folder = TestFiles.TempFolder();
        SweepOptions sweep = Sweep(folder);
        SweepPreparation prepared = SweepRunner.Prepare(sweep);
        SweepCell cell = SweepPlanner.Plan(sweep).Cells[1];
        Directory.CreateDirectory(folder.File("sweep/results"));
        Result(cell, prepared.Sweep, "0.0.1-older").Write(folder.File($"sweep/results/{cell.Id}.json"));
        var refused = Assert.Throws<InvalidOperationException>(() => SweepRunner.Prepare(sweep));
        Assert.Contains($"results/{cell.Id}.json was run by other code (PeaKd 0.0.1-older, code 0.0.1-older; this is code ", refused.Message);
        Assert.Equal(SweepCellState.Done, SweepStatus.Read(sweep)[1].State);
    }

    [Fact]
    public void A_pruning_sweep_skips_a_cell_whose_student_measured_over_the_budget_and_says_why()
    {
        using TempFolder folder = TestFiles.TempFolder();
        SweepOptions sweep = Sweep(folder) with { Prune = true, Budget = new SweepBudget { MaxInt8FileBytes = 1_000 } };
        SweepPreparation prepared = SweepRunner.Prepare(sweep);
        SweepCell[] cells = SweepPlanner.Plan(sweep).Cells.ToArray();
        SweepCell first = cells.First(c => c.Student.Name == "Bert1" && c.Seed == 1), second = cells.First(c => c.Student.Name == "Bert1" && c.Seed == 2);
        // the first seed finished, its int8 file measured over the budget (by this build, of this sweep)
        string code = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(folder.File("sweep/sweep.json")))!["code"]!.GetValue<string>();
        (Result(first, prepared.Sweep, "0.1.0") with
        {
            Code = code,
            Serving = new ServingCost
            {
                CpuModel = "any", Threads = 1, Int8FileBytes = 2_000, Length = 16, LatencyMilliseconds = 1, LatencyRuns = 5, ThroughputBatch = 32,
                ThroughputExamplesPerSecond = 1, Int8Metrics = new([new("accuracy", 0.5)]), Int8Split = "test",
            },
        }).Write(folder.File($"sweep/results/{first.Id}.json"));

        Assert.Null(SweepRunner.RunCell(sweep, second.Id));
        SweepCellStatus skipped = SweepStatus.Read(sweep).Single(s => s.Cell.Id == second.Id);
        Assert.Equal((SweepCellState.Skipped, 1), (skipped.State, skipped.Attempts));
        Assert.Equal($"its student's int8 file is 2,000 bytes (measured by cell {first.Id}), over the budget's 1,000", skipped.Message);
        Assert.False(Directory.Exists(folder.File($"sweep/cells/{second.Id}")), "a skipped cell trains nothing");
        Assert.DoesNotContain(SweepStatus.Runnable(sweep, retryFailed: false), s => s.Cell.Id == second.Id);
        // a sweep that no longer prunes runs it
        Assert.Contains(SweepStatus.Runnable(sweep with { Prune = false }, retryFailed: false), s => s.Cell.Id == second.Id);

        // a cell an earlier attempt started is never pruned, so nothing it trained is thrown away: this one goes on to
        // its run (stopped at once here, by a cancelled token)
        var sweepFolder = new SweepFolder(sweep.Folder);
        SweepAttempt.Start(sweepFolder.Attempts(second.Id)).End(sweepFolder.Attempts(second.Id), SweepAttemptOutcome.Stopped, "SIGTERM");
        Assert.ThrowsAny<OperationCanceledException>(() => SweepRunner.RunCell(sweep, second.Id, cancellation: new CancellationToken(canceled: true)));
        Assert.Equal((SweepCellState.Stopped, 3), SweepStatus.Read(sweep).Single(s => s.Cell.Id == second.Id) is var resumed ? (resumed.State, resumed.Attempts) : default);
    }

    private static SweepCellResult Result(SweepCell cell, string sweep, string version) => new()
    {
        Id = cell.Id, Student = cell.Student.Name, Recipe = cell.Recipe, Seed = cell.Seed, Settings = cell.Settings,
        OwnedParameters = cell.OwnedParameters, OwnedLayers = 1, EffectiveDepth = 1,
        Metrics = new Dictionary<string, SplitMetrics> { ["dev"] = new([new("accuracy", 0.5)]) },
        TrainingSeconds = 1, WallSeconds = 1, Attempts = 1, Sweep = sweep, PeakdVersion = version, Code = version, FinishedUtc = DateTimeOffset.UnixEpoch,
    };

    [Fact]
    public void Attempts_read_into_states_and_only_errors_are_not_retried()
    {
        using TempFolder folder = TestFiles.TempFolder();
        SweepOptions sweep = Sweep(folder);
        SweepCell[] cells = SweepPlanner.Plan(sweep).Cells.ToArray();
        var sweepFolder = new SweepFolder(sweep.Folder);
        SweepAttempt.Start(sweepFolder.Attempts(cells[0].Id)).End(sweepFolder.Attempts(cells[0].Id), SweepAttemptOutcome.Failed, "bad data");
        SweepAttempt.Start(sweepFolder.Attempts(cells[1].Id)).End(sweepFolder.Attempts(cells[1].Id), SweepAttemptOutcome.Stopped, "SIGTERM");
        using (var gone = System.Diagnostics.Process.Start("true")!) // an attempt whose process ended without a word
        {
            gone.WaitForExit();
            SweepAttempt started = SweepAttempt.Start(sweepFolder.Attempts(cells[2].Id));
            File.WriteAllText(Path.Combine(sweepFolder.Attempts(cells[2].Id), "1.json"),
                File.ReadAllText(Path.Combine(sweepFolder.Attempts(cells[2].Id), "1.json")).Replace($"\"process_id\": {Environment.ProcessId}", $"\"process_id\": {gone.Id}"));
        }
        IReadOnlyList<SweepCellStatus> states = SweepStatus.Read(sweep);
        Assert.Equal([SweepCellState.Failed, SweepCellState.Stopped, SweepCellState.Lost, SweepCellState.Pending], states.Select(s => s.State));
        Assert.Equal("bad data", states[0].Message);
        Assert.Equal([false, true, true, true], states.Select(s => s.Runnable(retryFailed: false)));
        Assert.True(states[0].Runnable(retryFailed: true));
        Assert.Equal(2, SweepAttempt.Start(sweepFolder.Attempts(cells[0].Id)).Number); // the next attempt's number
    }

    [Fact]
    public void A_mount_that_keeps_locks_local_is_found()
    {
        using TempFolder folder = TestFiles.TempFolder();
        string mounts = folder.File("mounts");
        File.WriteAllText(mounts, """
            /dev/sda1 / ext4 rw,relatime 0 0
            server:/export /mnt/shared nfs4 rw,vers=4.2,local_lock=none 0 0
            server:/old /mnt/old\040disk nfs rw,vers=3,nolock 0 0
            server:/scratch /mnt/shared/scratch nfs rw,vers=3,local_lock=flock 0 0
            """);
        Assert.Null(SweepLocking.LocalOnlyMount("/home/me/sweep", mounts));
        Assert.Null(SweepLocking.LocalOnlyMount("/mnt/shared/sweep", mounts));
        Assert.Equal("server:/old on /mnt/old disk (nfs, nolock)", SweepLocking.LocalOnlyMount("/mnt/old disk/sweep", mounts));
        Assert.Equal("server:/scratch on /mnt/shared/scratch (nfs, local_lock=flock)", SweepLocking.LocalOnlyMount("/mnt/shared/scratch/a", mounts));
        Assert.Null(SweepLocking.LocalOnlyMount("/mnt/shared/scratchy", mounts)); // a prefix of the name is not the mount
    }

    [Fact]
    public void Other_engines_get_one_line_per_cell_and_an_indexed_job()
    {
        using TempFolder folder = TestFiles.TempFolder();
        SweepOptions sweep = Sweep(folder);
        SweepCell[] cells = SweepPlanner.Plan(sweep).Cells.ToArray();
        var command = new SweepCellCommand(["/opt/peakd", "sweep", "run", "/data/my spec.json", "--cell"]);
        string[] lines = SweepManifests.Commands(cells, command).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(cells.Select(c => $"/opt/peakd sweep run '/data/my spec.json' --cell {c.Id}"), lines);

        string job = SweepManifests.KubernetesIndexedJob("peakd-sweep-spec", cells, command, "peakd:1", "claim", "/sweeps", 2, 4);
        Assert.Contains("completionMode: Indexed", job);
        Assert.Contains($"completions: {cells.Length}", job);
        Assert.Contains($"ids=({string.Join(" ", cells.Select(c => c.Id))}); exec /opt/peakd sweep run '/data/my spec.json' --cell \\\"${{ids[$JOB_COMPLETION_INDEX]}}\\\"", job);
        Assert.Throws<ArgumentException>(() => SweepManifests.KubernetesIndexedJob("x", [], command, "i", "c", "/m", 1, 1));
    }

    [Fact]
    public void A_cell_another_executor_runs_is_refused_and_leaves_no_attempt()
    {
        using TempFolder folder = TestFiles.TempFolder();
        SweepOptions sweep = Sweep(folder);
        SweepRunner.Prepare(sweep);
        SweepCell cell = SweepPlanner.Plan(sweep).Cells[0];
        using (PeaKd.Folders.FolderLock.Take(folder.File($"sweep/attempts/{cell.Id}"), "another executor"))
        {
            var refused = Assert.Throws<PeaKd.Folders.FolderInUseException>(() => SweepRunner.RunCell(sweep, cell.Id));
            Assert.Contains("another executor", refused.Message);
        }
        Assert.False(Directory.Exists(folder.File($"sweep/attempts/{cell.Id}")) && Directory.GetFiles(folder.File($"sweep/attempts/{cell.Id}")).Length > 0, "no attempt recorded");
        Assert.Equal(SweepCellState.Pending, SweepStatus.Read(sweep)[0].State);
    }

    [Fact]
    public void A_cell_of_other_code_than_the_shared_steps_is_refused_until_they_run_again()
    {
        using TempFolder folder = TestFiles.TempFolder();
        SweepOptions sweep = Sweep(folder);
        SweepRunner.Prepare(sweep);
        string identity = folder.File("sweep/sweep.json");
        var json = PeaKd.IO.JsonFile.ReadSealed(identity, required: true);
        string code = json["code"]!.GetValue<string>();
        Assert.Matches("^[0-9a-f]{12}$", code);
        json["code"] = "000000000000"; // as if another build had run the shared steps
        PeaKd.IO.JsonFile.WriteSealed(identity, json);

        SweepCell cell = SweepPlanner.Plan(sweep).Cells[0];
        var refused = Assert.Throws<InvalidOperationException>(() => SweepRunner.RunCell(sweep, cell.Id));
        Assert.Contains($"the sweep's shared steps last ran with other code (code 000000000000; this is {code})", refused.Message);
        Assert.False(Directory.Exists(folder.File($"sweep/attempts/{cell.Id}")), "no attempt");
        SweepRunner.Prepare(sweep); // no finished cell to refuse: the shared steps take this build
        Assert.Equal(code, PeaKd.IO.JsonFile.ReadSealed(identity, required: true)["code"]!.GetValue<string>());
    }
}
