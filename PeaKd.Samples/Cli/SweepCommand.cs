using System.CommandLine;
using PeaKd.Samples.Students;
using PeaKd.Sweeps;

namespace PeaKd.Samples.Cli;

/// <summary><c>peakd sweep plan SPEC.json</c>: a sweep's cells and what was left out. Running the cells, Slurm
/// submission, serving cost and the report are still to come (issue #28).</summary>
internal static class SweepCommand
{
    public static Command Create()
    {
        var command = new Command("sweep", "Sweeps: many students, recipes and settings of one teacher and task (docs/sweeps.md). Only plan is built so far.");
        command.Subcommands.Add(Plan());
        command.Subcommands.Add(Report());
        return command;
    }

    private static Command Plan()
    {
        var spec = new Argument<string>("SPEC") { Description = "The sweep's JSON file (docs/sweeps.md)." };
        var plan = new Command("plan", "Print the sweep's cells (id, student, recipe, settings, seed, owned parameters) and what was left out, and why. Nothing runs.") { spec };
        plan.SetAction(parse => CommandRunner.Run("sweep plan", FlagNames.None, () => Print(SweepSpec.Plan(parse.GetValue(spec)!, StudentCatalog.All))));
        return plan;
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
            Console.WriteLine(Reporting.Sweeps.SweepReport.Read(sweep.Folder, sweep.Budget, Console.Error.WriteLine).Write(folder));
            Console.WriteLine($"wrote sweep-report.md, pareto-parameters.png and pareto-latency.png (when some cell measured its latency) to {folder}");
        }));
        return report;
    }

    private static void Print(SweepPlan plan)
    {
        Console.WriteLine($"{plan.Cells.Count} cells; parameters are the student's own at the teacher's sizes, the classifier excluded.");
        Console.WriteLine($"{"id",-12}  {"student",-14} {"recipe",-8} {"seed",5} {"parameters",12}  settings");
        foreach (SweepCell cell in plan.Cells)
        {
            string settings = string.Join(" ", cell.Settings.Select(s => $"{s.Key}={s.Value}"));
            Console.WriteLine($"{cell.Id,-12}  {cell.Student.Name,-14} {cell.Recipe.ToString().ToLowerInvariant(),-8} {cell.Seed,5} {cell.OwnedParameters,12:N0}  {settings}".TrimEnd());
        }
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
