using System.CommandLine;
using PeaKd.Samples.Students;
using PeaKd.Sweeps;
using PeaKd.Slurm;

namespace PeaKd.Samples.Cli;

/// <summary><c>peakd sweep plan|prepare|run|status SPEC.json</c>: a sweep's cells, its shared steps, its cells run on
/// this machine (or one cell, for any executor), and where each stands.</summary>
internal static class SweepCommand
{
    public static Command Create()
    {
        var command = new Command("sweep", "Sweeps: many students, recipes and settings of one teacher and task (docs/sweeps.md).");
        command.Subcommands.Add(Plan());
        command.Subcommands.Add(Report());
        command.Subcommands.Add(Prepare());
        command.Subcommands.Add(Run());
        command.Subcommands.Add(Submit());
        command.Subcommands.Add(Status());
        command.Subcommands.Add(Clean());
        return command;
    }

    private static Command Plan()
    {
        var spec = new Argument<string>("SPEC") { Description = "The sweep's JSON file (docs/sweeps.md)." };
        var emit = new Option<string?>("--emit") { Description = "Instead of the table: 'commands' (one shell line per cell not done, for any executor) or 'kubernetes' (an Indexed Job manifest). Run sweep prepare first." };
        var image = new Option<string>("--image") { Description = "kubernetes: the container image with peakd (the repository's Dockerfile).", DefaultValueFactory = _ => "peakd:latest" };
        var claim = new Option<string>("--volume-claim") { Description = "kubernetes: the PersistentVolumeClaim holding the sweep folder.", DefaultValueFactory = _ => "peakd-sweeps" };
        var mount = new Option<string>("--mount") { Description = "kubernetes: where the claim is mounted in the container (the spec's folders must resolve there).", DefaultValueFactory = _ => "/sweeps" };
        var parallelism = new Option<int>("--parallelism") { Description = "kubernetes: pods at once.", DefaultValueFactory = _ => 4 };
        var cpus = new Option<int>("--cpus") { Description = "kubernetes: CPU cores per pod.", DefaultValueFactory = _ => 4 };
        var plan = new Command("plan", "Print the sweep's cells (id, student, recipe, settings, seed, owned parameters) and what was left out, and why; or, with --emit, the cells not done as commands or a Kubernetes Job. Nothing runs.")
            { spec, emit, image, claim, mount, parallelism, cpus };
        plan.SetAction(parse => CommandRunner.Run("sweep plan", FlagNames.None, () =>
        {
            string specFile = parse.GetValue(spec)!;
            SweepOptions sweep = SweepSpec.Load(specFile, StudentCatalog.All);
            SweepPlan planned = SweepPlanner.Plan(sweep);
            switch (parse.GetValue(emit))
            {
                case null:
                    Print(planned, Estimates(sweep));
                    break;
                case "commands":
                    Console.Write(SweepManifests.Commands(NotDone(sweep), CellCommand(specFile)));
                    break;
                case "kubernetes":
                    var inContainer = new SweepCellCommand(["peakd", "sweep", "run", specFile, "--cell"]);
                    Console.Write(SweepManifests.KubernetesIndexedJob($"peakd-sweep-{SweepSpecName(specFile)}", NotDone(sweep), inContainer,
                        parse.GetValue(image)!, parse.GetValue(claim)!, parse.GetValue(mount)!, parse.GetValue(parallelism), parse.GetValue(cpus)));
                    break;
                case string other:
                    throw new ArgumentException($"--emit '{other}' is not known; use commands or kubernetes.");
            }
        }));
        return plan;
    }

    /// <summary>The planned cells without a result, in plan order.</summary>
    private static IReadOnlyList<SweepCell> NotDone(SweepOptions sweep) =>
        SweepStatus.Read(sweep).Where(s => s.State != SweepCellState.Done).Select(s => s.Cell).ToArray();

    /// <summary>The spec file's name as a DNS label, for the Job's name.</summary>
    private static string SweepSpecName(string specFile)
    {
        string name = new(Path.GetFileNameWithoutExtension(specFile).ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray());
        return name.Trim('-') is { Length: > 0 } label ? label[..Math.Min(label.Length, 40)].Trim('-') : "spec";
    }

    /// <summary><c>peakd sweep report SPEC [--out DIR]</c>: the report over the sweep folder's finished cells
    /// (<see cref="Reporting.Sweeps.SweepReport"/>), weighed against the spec's budget.</summary>
    private static Command Report()
    {
        var spec = new Argument<string>("SPEC") { Description = "The sweep's JSON file (docs/sweeps.md): its folder holds the results, its budget picks the best." };
        var output = new Option<string>("--out") { Description = "Where sweep-report.md and the charts go (default: report/ in the sweep's folder)." };
        var report = new Command("report", "The Pareto fronts of dev metric against owned parameters and int8 latency, and the best student within the budget (chosen on dev, reported on test), over the finished cells.") { spec, output };
        report.SetAction(parse => CommandRunner.Run("sweep report", FlagNames.None, () =>
        {
            SweepOptions sweep = SweepSpec.Load(parse.GetValue(spec)!, StudentCatalog.All);
            string folder = parse.GetValue(output) ?? Path.Combine(sweep.Folder, "report");
            Console.WriteLine(Reporting.Sweeps.SweepReport.Read(sweep.Folder, sweep.Budget, Console.Error.WriteLine, SweepPlanner.Plan(sweep).Cells.Select(c => c.Id).ToArray()).Write(folder));
            Console.WriteLine($"wrote sweep-report.md, pareto-parameters.png and pareto-latency.png (when some cell measured its latency) to {folder}");
        }));
        return report;
    }

    private static Command Prepare()
    {
        var spec = new Argument<string>("SPEC") { Description = "The sweep's JSON file (docs/sweeps.md)." };
        var prepare = new Command("prepare", "Run the sweep's shared steps once: record its teacher and data in sweep.json, fine-tune the teacher if the spec asks, compute the teacher records. Run again, it redoes nothing finished.") { spec };
        prepare.SetAction(parse => CommandRunner.Run("sweep prepare", FlagNames.None, () =>
        {
            SweepPreparation done = SweepRunner.Prepare(SweepSpec.Load(parse.GetValue(spec)!, StudentCatalog.All), ConsoleProgress.Create(), CommandRunner.Stopping);
            Console.WriteLine($"shared steps done: teacher {done.Teacher}; records {string.Join(", ", done.Records)}; sweep {done.Sweep}");
        }, ResumeAdvice));
        return prepare;
    }

    private const string ResumeAdvice = "Run the same command again to continue.";

    private static Command Run()
    {
        var spec = new Argument<string>("SPEC") { Description = "The sweep's JSON file (docs/sweeps.md)." };
        var cell = new Option<string?>("--cell") { Description = "Run this one cell (its id from sweep plan) in this process, after the shared steps (sweep prepare) ran: what every executor runs." };
        var parallel = new Option<int?>("--parallel") { Description = $"Cells at once, each in its own process with a share of the cores (default {SweepLocalExecutor.DefaultParallel} here: one per 4 cores)." };
        var retryFailed = new Option<bool>("--retry-failed") { Description = "Also run cells whose last attempt failed with an error (stopped, out-of-memory and lost cells are always run again)." };
        var run = new Command("run", "Run the sweep on this machine: the shared steps, then every cell not done (resuming stopped ones), or one cell with --cell.") { spec, cell, parallel, retryFailed };
        run.SetAction(parse => CommandRunner.Run(parse.GetValue(cell) is null ? "sweep run" : "sweep run --cell", FlagNames.None, () =>
        {
            string specFile = parse.GetValue(spec)!;
            if (parse.GetValue(parallel) is < 1)
            {
                throw new ArgumentException($"--parallel is {parse.GetValue(parallel)}; run at least 1 cell at once.");
            }
            SweepOptions sweep = SweepSpec.Load(specFile, StudentCatalog.All);
            if (parse.GetValue(cell) is string id)
            {
                SweepCellResult? result = SweepRunner.RunCell(sweep, id, ConsoleProgress.Create(), CommandRunner.Stopping);
                Console.WriteLine(result is null ? $"cell {id} skipped (the sweep prunes; sweep status says why)"
                    : $"cell {id} done: {string.Join("; ", result.Metrics.Select(m => $"{m.Key} {m.Value}"))}");
                return;
            }
            IReadOnlyList<SweepCellStatus> states = SweepLocalExecutor.Run(sweep, CellCommand(specFile), parse.GetValue(parallel), parse.GetValue(retryFailed),
                ConsoleProgress.Create(), CommandRunner.Stopping);
            PrintCounts(states);
        }, ResumeAdvice));
        return run;
    }

    /// <summary>This program, as it was started, running one cell of <paramref name="specFile"/>.</summary>
    internal static SweepCellCommand CellCommand(string specFile) => new([.. Program(), "sweep", "run", Path.GetFullPath(specFile), "--cell"]);

    /// <summary>This program as it was started: its executable, or dotnet and its assembly.</summary>
    private static string[] Program()
    {
        string process = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell this program's path to start cells with.");
        return Path.GetFileNameWithoutExtension(process) == "dotnet" ? [process, typeof(SweepCommand).Assembly.Location] : [process];
    }

    private static Command Submit()
    {
        var spec = new Argument<string>("SPEC") { Description = "The sweep's JSON file (docs/sweeps.md)." };
        var slurm = new Option<bool>("--slurm") { Description = "Submit to Slurm with sbatch (the only scheduler PeaKd drives; see sweep plan --emit for others).", Required = true };
        var partition = new Option<string?>("--partition") { Description = "Slurm partition (default: the cluster's)." };
        var time = new Option<string?>("--time") { Description = "Each job's time limit, as Slurm takes it (02:00:00, 1-00:00:00); a cell stopped by it is requeued and resumes." };
        var cpus = new Option<int?>("--cpus-per-task") { Description = "Cores per cell; the cell trains with that many threads." };
        var memory = new Option<string?>("--mem") { Description = "Memory per cell, as Slurm takes it (16G)." };
        var gres = new Option<string?>("--gres") { Description = "Generic resources per cell (gpu:1)." };
        var account = new Option<string?>("--account") { Description = "The account to charge." };
        var throttle = new Option<int?>("--array-throttle") { Description = "At most K cells at once (sbatch --array=...%K)." };
        var noRequeue = new Option<bool>("--no-requeue") { Description = "Leave a preempted or timed-out cell stopped instead of requeuing it." };
        var retryFailed = new Option<bool>("--retry-failed") { Description = "Also submit cells whose last attempt failed with an error (stopped and lost cells are always submitted again)." };
        var submit = new Command("submit", "Submit the sweep to Slurm and return at once: the shared steps as one job, the cells not done as arrays after it (afterok), the report after them all (afterany). Job ids go to slurm/submissions.json in the sweep folder.")
            { spec, slurm, partition, time, cpus, memory, gres, account, throttle, noRequeue, retryFailed };
        submit.SetAction(parse => CommandRunner.Run("sweep submit", SubmitFlags, () =>
        {
            string specFile = Path.GetFullPath(parse.GetValue(spec)!);
            SweepOptions sweep = SweepSpec.Load(specFile, StudentCatalog.All);
            var options = new SlurmOptions
            {
                Partition = parse.GetValue(partition),
                Time = parse.GetValue(time),
                CpusPerTask = parse.GetValue(cpus),
                Memory = parse.GetValue(memory),
                Gres = parse.GetValue(gres),
                Account = parse.GetValue(account),
                ArrayThrottle = parse.GetValue(throttle),
                Requeue = !parse.GetValue(noRequeue),
            };
            string[] program = Program();
            var commands = new SweepJobCommands([.. program, "sweep", "prepare", specFile], CellCommand(specFile), [.. program, "sweep", "report", specFile]);
            SweepSubmission? submitted = SweepSlurm.Submit(sweep, options, commands, parse.GetValue(retryFailed));
            Console.WriteLine(submitted is null
                ? "Nothing to submit: every cell is done, queued, or failed with an error (--retry-failed submits those)."
                : $"submission {submitted.Number}: {submitted.Cells.Count} cells; shared steps job {submitted.Prepare}, cells {string.Join(", ", submitted.Arrays.Select(a => $"{a.Job} ({a.Count} tasks)"))}, report {submitted.Report}. Follow it with: peakd sweep status {parse.GetValue(spec)}");
        }));
        return submit;
    }

    /// <summary>SlurmOptions' properties as submit's flags.</summary>
    private static readonly FlagNames SubmitFlags = new(
    [
        ("SlurmOptions.Partition", "--partition"), ("SlurmOptions.Time", "--time"), ("SlurmOptions.CpusPerTask", "--cpus-per-task"),
        ("SlurmOptions.Memory", "--mem"), ("SlurmOptions.Gres", "--gres"), ("SlurmOptions.Account", "--account"),
        ("SlurmOptions.ArrayThrottle", "--array-throttle"),
    ]);

    private static Command Status()
    {
        var spec = new Argument<string>("SPEC") { Description = "The sweep's JSON file (docs/sweeps.md)." };
        var status = new Command("status", "Where each cell stands, from the sweep folder (and Slurm's queue, once submitted): done, running, stopped, failed (with the last line of its log), lost, skipped (with why), pending.") { spec };
        status.SetAction(parse => CommandRunner.Run("sweep status", FlagNames.None, () =>
        {
            IReadOnlyList<SweepSlurmCellStatus> states = SweepSlurm.Status(SweepSpec.Load(parse.GetValue(spec)!, StudentCatalog.All));
            Console.WriteLine($"{"id",-12}  {"student",-14} {"recipe",-8} {"seed",5}  {"state",-12} {"attempts",8}  {"slurm",-24} last");
            foreach (SweepSlurmCellStatus state in states)
            {
                SweepCellStatus cell = state.Status;
                string slurm = state.Task is null ? "" : $"{state.Task}{(state.Queued ?? state.Ended) switch { null => "", string said => $" {said}" }}";
                Console.WriteLine($"{cell.Cell.Id,-12}  {cell.Cell.Student.Name,-14} {Name(cell.Cell.Recipe),-8} {cell.Cell.Seed,5}  {Name(cell.State),-12} {cell.Attempts,8}  {slurm,-24} {cell.Message}".TrimEnd());
            }
            PrintCounts(states.Select(s => s.Status).ToArray());
        }));
        return status;
    }

    private static Command Clean()
    {
        var spec = new Argument<string>("SPEC") { Description = "The sweep's JSON file (docs/sweeps.md)." };
        var clean = new Command("clean", "Remove what killed writers left in the sweep folder (temporary files of atomic writes); results, runs and logs stay.") { spec };
        clean.SetAction(parse => CommandRunner.Run("sweep clean", FlagNames.None, () =>
        {
            int removed = SweepRunner.Clean(SweepSpec.Load(parse.GetValue(spec)!, StudentCatalog.All));
            Console.WriteLine($"removed {removed} leftover temporary files.");
        }));
        return clean;
    }

    private static void PrintCounts(IReadOnlyList<SweepCellStatus> states) =>
        Console.WriteLine($"{states.Count} cells: " + string.Join(", ", states.GroupBy(s => s.State).OrderBy(g => g.Key).Select(g => $"{g.Count()} {Name(g.Key)}")));

    private static string Name<T>(T value) where T : Enum => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    /// <summary>The cells' estimated training times, or why there are none (the data cannot be read yet).</summary>
    private static (Dictionary<string, SweepCellEstimate>? Estimates, string Note) Estimates(SweepOptions sweep)
    {
        try
        {
            IReadOnlyList<SweepCellEstimate> estimates = SweepEstimates.For(sweep);
            return (estimates.ToDictionary(e => e.Cell.Id), $"training time (est.) in all: {Duration.Format(estimates.Sum(e => e.Seconds))}, from {estimates.Select(e => e.Basis).Distinct().Last()}; evaluation, serving measurement and the shared steps come on top.");
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or Data.DataFormatException)
        {
            return (null, $"no time estimates: the data could not be read ({e.Message.Split('\n')[0]})");
        }
    }

    private static void Print(SweepPlan plan, (Dictionary<string, SweepCellEstimate>? Estimates, string Note) estimated)
    {
        Console.WriteLine($"{plan.Cells.Count} cells; parameters are the student's own at the teacher's sizes, the classifier excluded.");
        string estimateHeader = estimated.Estimates is null ? "" : $" {"est.",8}";
        Console.WriteLine($"{"id",-12}  {"student",-14} {"recipe",-8} {"seed",5} {"parameters",12}{estimateHeader}  settings");
        foreach (SweepCell cell in plan.Cells)
        {
            string settings = string.Join(" ", cell.Settings.Select(s => $"{s.Key}={s.Value}"));
            string estimate = estimated.Estimates is { } all ? $" {Duration.Format(all[cell.Id].Seconds),8}" : "";
            Console.WriteLine($"{cell.Id,-12}  {cell.Student.Name,-14} {cell.Recipe.ToString().ToLowerInvariant(),-8} {cell.Seed,5} {cell.OwnedParameters,12:N0}{estimate}  {settings}".TrimEnd());
        }
        Console.WriteLine(estimated.Note);
        int leftOut = plan.LeftOut.Sum(e => e.Cells);
        Console.WriteLine($"{leftOut} cells left out: {plan.LeftOut.Where(e => e.Reason == SweepExclusionReason.ImpossiblePair).Sum(e => e.Cells)} as impossible pairs, "
            + $"{plan.LeftOut.Where(e => e.Reason == SweepExclusionReason.OverBudget).Sum(e => e.Cells)} over budget.");
        foreach (SweepExclusion exclusion in plan.LeftOut)
        {
            string reason = exclusion.Reason == SweepExclusionReason.ImpossiblePair ? "impossible pair" : "over budget";
            Console.WriteLine($"  {exclusion.Student} x {exclusion.Recipe.ToString().ToLowerInvariant()}: {reason}, {exclusion.Cells} cells ({exclusion.Detail})");
        }
        foreach (string note in plan.Notes)
        {
            Console.WriteLine($"note: {note}");
        }
    }
}
