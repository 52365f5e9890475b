using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using PeaKd.Sweeps;

namespace PeaKd.Bench.Cases;

/// <summary>The sweep benchmark's settings (PeaKd.Bench sweep's flags).</summary>
internal sealed record SweepBenchOptions(string Teacher, string Data, string? PositiveLabel, string Student, string Recipe,
    int Cells, int Epochs, int MaxLength, int TrainRows, string? Work, IReadOnlyList<int> Parallel);

/// <summary>
/// What a sweep on this machine costs beside its training: a small sweep (one student and recipe, one cell per seed,
/// a fine-tuned teacher) is run by the real CLI, <c>peakd sweep prepare</c> then <c>peakd sweep run --parallel P</c>,
/// once per P in a fresh sweep folder (so the shared steps, the teacher record, are recomputed each time and timed
/// apart). Each cell's figures come from the folder itself: its results/ID.json (training, run and serving seconds)
/// and its attempt (started, ended), against the birth time of logs/ID/1.log, which the executor creates just before
/// it starts the cell's process.
/// </summary>
internal static class SweepBench
{
    public static void Run(SweepBenchOptions options, Measurement measurement)
    {
        Validate(options);
        string work = Path.GetFullPath(options.Work ?? Path.Combine(Path.GetTempPath(), "peakd-sweep-bench", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)));
        if (Directory.Exists(work) && Directory.EnumerateFileSystemEntries(work).Any())
        {
            throw new ArgumentException($"--work {work} is not empty; give a new folder (each run starts fresh sweep folders).");
        }
        Directory.CreateDirectory(work);
        string data = options.TrainRows > 0 ? ReducedData(options.Data, options.TrainRows, Path.Combine(work, "data")) : Path.GetFullPath(options.Data);
        string cpu = MachineCpu.Model();
        Console.WriteLine($"machine: {cpu}, {Environment.ProcessorCount} cores; load average {LoadAverage()} at the start");
        Console.WriteLine($"command: PeaKd.Bench {string.Join(' ', Environment.GetCommandLineArgs().Skip(1).Select(SweepCellCommand.Quote))}");
        Console.WriteLine($"sweep: {options.Cells} cells of {options.Student} ({options.Recipe}, seeds 1-{options.Cells}), {options.Epochs} KD epoch(s), max length {options.MaxLength}, " +
            $"train {CountRows(Path.Combine(data, "train.tsv"))} rows{(options.TrainRows > 0 ? " (a reduced copy)" : "")}, dev and test as given; teacher {Path.GetFullPath(options.Teacher)}; work {work}");

        var runs = new JsonObject();
        var walls = new Dictionary<int, (double Prepare, double Run)>();
        foreach (int parallel in options.Parallel)
        {
            string name = $"p{parallel}";
            string spec = WriteSpec(work, name, options, data);
            double prepare = Peakd(["sweep", "prepare", spec], Path.Combine(work, $"{name}-prepare.log"));
            double run = Peakd(["sweep", "run", spec, "--parallel", parallel.ToString(CultureInfo.InvariantCulture)], Path.Combine(work, $"{name}-run.log"));
            walls[parallel] = (prepare, run);
            CellFigures[] cells = Cells(new SweepFolder(Path.Combine(work, name)), options.Cells);
            Console.WriteLine();
            Console.WriteLine($"--parallel {parallel}: sweep prepare {prepare:F1} s (identity, teacher record), sweep run {run:F1} s (wall, its no-op prepare included)");
            Print(cells);
            runs[name] = new JsonObject
            {
                ["parallel"] = parallel,
                ["prepare_wall_seconds"] = prepare,
                ["run_wall_seconds"] = run,
                ["cells"] = new JsonArray(cells.Select(c => (JsonNode)c.Json()).ToArray()),
            };
        }

        Console.WriteLine();
        Console.WriteLine("| --parallel | sweep run wall (s) | prepare + run (s) | speedup over the first |");
        Console.WriteLine("| ---: | ---: | ---: | ---: |");
        (double firstPrepare, double firstRun) = walls[options.Parallel[0]];
        foreach ((int parallel, (double prepare, double run)) in walls)
        {
            Console.WriteLine($"| {parallel} | {run:F1} | {prepare + run:F1} | {firstRun / run:F2} (with prepare {(firstPrepare + firstRun) / (prepare + run):F2}) |");
        }
        Console.WriteLine($"load average {LoadAverage()} at the end");

        measurement["cpu"] = cpu;
        measurement["cores"] = Environment.ProcessorCount;
        measurement["student"] = options.Student;
        measurement["recipe"] = options.Recipe;
        measurement["cells"] = options.Cells;
        measurement["kd_epochs"] = options.Epochs;
        measurement["max_length"] = options.MaxLength;
        measurement["train_rows"] = CountRows(Path.Combine(data, "train.tsv"));
        measurement["runs"] = runs;
    }

    private static void Validate(SweepBenchOptions options)
    {
        if (options.Cells < 1 || options.Epochs < 1 || options.MaxLength < 8 || options.TrainRows < 0)
        {
            throw new ArgumentException($"--cells ({options.Cells}) and --epochs ({options.Epochs}) must be at least 1, --max-length ({options.MaxLength}) at least 8, --train-rows ({options.TrainRows}) 0 (all) or more.");
        }
        if (options.Parallel.Count == 0 || options.Parallel.Any(p => p < 1))
        {
            throw new ArgumentException($"--parallel must list cells-at-once counts of at least 1 (got {string.Join(",", options.Parallel)}).");
        }
        if (!File.Exists(Path.Combine(options.Teacher, "config.json")))
        {
            throw new ArgumentException($"--teacher {options.Teacher} has no config.json: give a fine-tuned teacher folder (peakd finetune --out).");
        }
        if (!File.Exists(Path.Combine(options.Data, "train.tsv")))
        {
            throw new ArgumentException($"--data {options.Data} has no train.tsv: give a folder of train/dev/test TSV files (bash scripts/fetch-data.sh writes data/fine-foods).");
        }
    }

    /// <summary>A copy of the data folder with <paramref name="rows"/> train rows, evenly spaced through the file (so
    /// the classes keep about their shares); every other file is copied as it is.</summary>
    private static string ReducedData(string source, int rows, string target)
    {
        Directory.CreateDirectory(target);
        foreach (string file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }
        string[] lines = File.ReadAllLines(Path.Combine(source, "train.tsv"));
        int available = lines.Length - 1;
        if (rows < available)
        {
            IEnumerable<string> kept = Enumerable.Range(0, rows).Select(i => lines[1 + (int)((long)i * available / rows)]);
            File.WriteAllLines(Path.Combine(target, "train.tsv"), kept.Prepend(lines[0]));
        }
        return target;
    }

    private static int CountRows(string tsv) => File.ReadLines(tsv).Count() - 1;

    private static string WriteSpec(string work, string name, SweepBenchOptions options, string data)
    {
        var dataJson = new JsonObject { ["task"] = "tsv", ["folder"] = data };
        if (options.PositiveLabel is not null)
        {
            dataJson["positive_label"] = options.PositiveLabel;
        }
        var spec = new JsonObject
        {
            ["folder"] = name,
            ["teacher"] = Path.GetFullPath(options.Teacher),
            ["data"] = dataJson,
            ["students"] = new JsonArray(options.Student),
            ["recipes"] = new JsonArray(options.Recipe),
            ["axes"] = new JsonObject { ["kd_epochs"] = new JsonArray(options.Epochs), ["max_length"] = new JsonArray(options.MaxLength) },
            ["seeds"] = new JsonArray(Enumerable.Range(1, options.Cells).Select(s => (JsonNode)s).ToArray()),
        };
        string path = Path.Combine(work, name + ".json");
        File.WriteAllText(path, spec.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
        return path;
    }

    /// <summary>Runs the peakd CLI built beside this benchmark (the project references it) to its end, its output in
    /// <paramref name="log"/>; returns its wall seconds. A failure names the command and its log's last lines.</summary>
    private static double Peakd(IReadOnlyList<string> arguments, string log)
    {
        string program = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "peakd.exe" : "peakd");
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        string line = $"peakd {string.Join(' ', arguments.Select(SweepCellCommand.Quote))}";
        Console.WriteLine($"running: {line}");
        using (var writer = new StreamWriter(log) { AutoFlush = true })
        {
            var clock = Stopwatch.StartNew();
            using Process process = Process.Start(start) ?? throw new InvalidOperationException($"{program}: could not start it.");
            process.OutputDataReceived += (_, e) => Write(writer, e.Data);
            process.ErrorDataReceived += (_, e) => Write(writer, e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            process.WaitForExit();
            double seconds = clock.Elapsed.TotalSeconds;
            if (process.ExitCode == 0)
            {
                return seconds;
            }
            writer.Flush();
            writer.Close();
            string tail = string.Join("\n", File.ReadLines(log).TakeLast(5));
            throw new InvalidOperationException($"`{line}` exited {process.ExitCode} after {seconds:F0} s; its output is in {log}, ending:\n{tail}");
        }
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

    /// <summary>Every cell's figures; each must have finished in one attempt, or the sweep's timing is not one run's.</summary>
    private static CellFigures[] Cells(SweepFolder folder, int expected)
    {
        IReadOnlyList<string> ids = folder.FinishedIds();
        if (ids.Count != expected)
        {
            throw new InvalidDataException($"{folder.ResultsFolder} has {ids.Count} results, not the {expected} cells planned; see the logs in {Path.Combine(folder.Root, "logs")}.");
        }
        return ids.Select(id => CellFigures.Of(folder, id)).OrderBy(c => c.ProcessStarted).ToArray();
    }

    private static void Print(CellFigures[] cells)
    {
        Console.WriteLine("| cell | seed | process start -> RunCell (s) | RunCell's checks (s) | run - training (s) | training (s) | serving (s) | cell total (s) | overhead share |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (CellFigures c in cells)
        {
            Console.WriteLine($"| {c.Id} | {c.Seed} | {c.Start:F1} | {c.Checks:F1} | {c.Setup:F1} | {c.Training:F1} | {c.Serving:F1} | {c.Total:F1} | {c.OverheadShare:P0} |");
        }
        double total = cells.Sum(c => c.Total), training = cells.Sum(c => c.Training);
        Console.WriteLine($"| total | | {cells.Sum(c => c.Start):F1} | {cells.Sum(c => c.Checks):F1} | {cells.Sum(c => c.Setup):F1} | {training:F1} | {cells.Sum(c => c.Serving):F1} | {total:F1} | {(total - training) / total:P0} |");
        double span = (cells.Max(c => c.Ended) - cells.Min(c => c.ProcessStarted)).TotalSeconds;
        Console.WriteLine($"first cell's process start to last cell's end: {span:F1} s; sum of cell totals / that span: {total / span:F2} cells busy at once on average");
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}

/// <summary>One finished cell's time, split: <see cref="Start"/> (process start to RunCell's attempt: the runtime's
/// start, JIT, libtorch's load, the spec's parsing), <see cref="Checks"/> (RunCell beside the run and the serving: the
/// plan, the identity check that hashes the teacher and data, the result's writing), <see cref="Setup"/> (the pipeline
/// run beside its training steps: data reading, tokenization, the teacher record's loading, initialisation,
/// evaluation), <see cref="Training"/> and <see cref="Serving"/> (the int8 export and its measurement).</summary>
internal sealed record CellFigures(string Id, int Seed, DateTimeOffset ProcessStarted, DateTimeOffset Ended, double Start, double Checks,
    double Setup, double Training, double Serving, double Total)
{
    public double OverheadShare => (Total - Training) / Total;

    public static CellFigures Of(SweepFolder folder, string id)
    {
        SweepCellResult result = SweepCellResult.Read(folder.Result(id));
        IReadOnlyList<SweepAttempt> attempts = SweepAttempt.ReadAll(folder.Attempts(id));
        if (attempts.Count != 1 || attempts[0].EndedUtc is not DateTimeOffset ended)
        {
            throw new InvalidDataException($"{folder.Attempts(id)}: cell {id} took {attempts.Count} attempts, or its attempt has no end; the benchmark times a sweep that ran through at once.");
        }
        string log = Path.Combine(folder.Logs(id), "1.log");
        DateTimeOffset processStarted = FileBirth.Of(log); // the executor creates the log just before it starts the process
        double attempt = (ended - attempts[0].StartedUtc).TotalSeconds;
        return new CellFigures(id, result.Seed, processStarted, ended,
            Start: (attempts[0].StartedUtc - processStarted).TotalSeconds,
            Checks: attempt - result.RunSeconds - result.ServingSeconds,
            Setup: result.RunSeconds - result.TrainingSeconds,
            Training: result.TrainingSeconds,
            Serving: result.ServingSeconds,
            Total: (ended - processStarted).TotalSeconds);
    }

    public JsonObject Json() => new()
    {
        ["id"] = Id,
        ["seed"] = Seed,
        ["process_start_to_runcell_seconds"] = Start,
        ["runcell_checks_seconds"] = Checks,
        ["run_minus_training_seconds"] = Setup,
        ["training_seconds"] = Training,
        ["serving_seconds"] = Serving,
        ["cell_total_seconds"] = Total,
    };
}

/// <summary>A file's birth time from Linux's statx: .NET's File.GetCreationTimeUtc gives the last status change there,
/// which for a log is when its last line was written.</summary>
internal static class FileBirth
{
    private const int AtCurrentDirectory = -100;
    private const uint BirthTimeMask = 0x800; // STATX_BTIME
    private const int BirthTimeOffset = 80; // struct statx: stx_btime follows 64 bytes of fields and stx_atime (16 bytes)

    public static DateTimeOffset Of(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("the sweep benchmark reads each cell log's birth time with Linux's statx.");
        }
        var buffer = new byte[256];
        if (Statx(AtCurrentDirectory, Path.GetFullPath(path), 0, BirthTimeMask, buffer) != 0)
        {
            throw new IOException($"{path}: statx failed (errno {Marshal.GetLastPInvokeError()}).");
        }
        if ((BitConverter.ToUInt32(buffer, 0) & BirthTimeMask) == 0)
        {
            throw new IOException($"{path}: its file system records no birth time (statx), which the benchmark needs to time the cell's process start; put --work on ext4, xfs or btrfs.");
        }
        long seconds = BitConverter.ToInt64(buffer, BirthTimeOffset);
        uint nanoseconds = BitConverter.ToUInt32(buffer, BirthTimeOffset + 8);
        return DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(nanoseconds / 100);
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int directory, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);
}
