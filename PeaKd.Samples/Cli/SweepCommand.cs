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
        return command;
    }

    private static Command Plan()
    {
        var spec = new Argument<string>("SPEC") { Description = "The sweep's JSON file (docs/sweeps.md)." };
        var plan = new Command("plan", "Print the sweep's cells (id, student, recipe, settings, seed, owned parameters) and what was left out, and why. Nothing runs.") { spec };
        plan.SetAction(parse => CommandRunner.Run("sweep plan", FlagNames.None, () => Print(SweepSpec.Plan(parse.GetValue(spec)!, StudentCatalog.All))));
        return plan;
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
