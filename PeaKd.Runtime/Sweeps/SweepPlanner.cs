using PeaKd.Distillation;
using PeaKd.Modeling;
using PeaKd.Options;
using PeaKd.Students;

namespace PeaKd.Sweeps;

/// <summary>
/// Turns a sweep into cells. For each student and recipe (in the spec's order): a recipe not meant for the student's
/// kind is an impossible pair (<see cref="SweepRecipe"/>: FT, KD and PKD are for plain students, SPS and PeaBERT for
/// students with shared layers); a student over <see cref="SweepBudget.MaxOwnedParameters"/> is left out; the rest
/// give one cell per combination of the axes' values and per seed. Axes read only by PTP (ptp_*) are left out of the
/// cells of recipes without PTP, so they do not split runs that would be the same. A sweep with
/// <see cref="SweepOptions.Groups"/> plans each group so, in order, and keeps each cell once (by its id).
/// </summary>
public static class SweepPlanner
{
    private static readonly OptionPath Name = new(nameof(SweepOptions));

    /// <summary>Validates <paramref name="sweep"/>, reads the teacher's config.json for the students' sizes, and
    /// plans the cells. Nothing is written.</summary>
    /// <param name="sweep">The sweep.</param>
    /// <exception cref="InvalidOptionException">A bad value, or a budget no student meets.</exception>
    public static SweepPlan Plan(SweepOptions sweep)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        sweep.Validate();
        return Plan(sweep, BertConfig.Load(Path.Combine(sweep.Teacher, "config.json")));
    }

    /// <summary>Plans <paramref name="sweep"/> (validated) with the teacher's sizes from <paramref name="teacher"/>:
    /// each group's cells in turn, a cell an earlier group planned (the same id) not again.</summary>
    internal static SweepPlan Plan(SweepOptions sweep, BertConfig teacher)
    {
        IReadOnlyList<SweepGroupPlan> groups = sweep.PlannedGroups();
        Dictionary<string, long> owned = groups.SelectMany(g => g.Students).DistinctBy(s => s.Name)
            .ToDictionary(s => s.Name, s => OwnedParameters(s, teacher));
        CheckBudgetAdmitsSome(sweep, owned);
        var cells = new List<SweepCell>();
        var planned = new HashSet<string>(StringComparer.Ordinal);
        var leftOut = new List<SweepExclusion>();
        foreach (SweepGroupPlan group in groups)
        {
            PlanGroup(sweep, group, owned, cells.Add, leftOut.Add, planned);
        }
        return new SweepPlan(cells, leftOut.Distinct().ToArray(), Notes(sweep.Budget));
    }

    private static void PlanGroup(SweepOptions sweep, SweepGroupPlan group, Dictionary<string, long> owned,
        Action<SweepCell> cell, Action<SweepExclusion> leaveOut, HashSet<string> planned)
    {
        foreach (StudentDescriptor student in group.Students)
        {
            foreach (SweepRecipe recipe in group.Recipes)
            {
                SweepAxis[] axes = group.Axes.Where(a => SweepRecipes.Ptp(recipe) || !SweepAxisOptions.Find(a.Option)!.PtpOnly).ToArray();
                int count = axes.Aggregate(group.Seeds.Count, (n, a) => n * a.Values.Count);
                if (SweepRecipes.Impossible(recipe, student) is string why)
                {
                    leaveOut(new(student.Name, recipe, SweepExclusionReason.ImpossiblePair, why, count));
                }
                else if (!sweep.Budget.Admits(owned[student.Name]))
                {
                    leaveOut(new(student.Name, recipe, SweepExclusionReason.OverBudget,
                        $"{student.Name} owns {owned[student.Name]:N0} parameters, over the budget's {sweep.Budget.MaxOwnedParameters:N0}", count));
                }
                else
                {
                    foreach (SweepCell planning in Combinations(axes).SelectMany(settings => group.Seeds
                        .Select(seed => Cell(sweep, group.Path, student, recipe, settings, seed, owned[student.Name]))))
                    {
                        if (planned.Add(planning.Id))
                        {
                            cell(planning);
                        }
                    }
                }
            }
        }
    }

    /// <summary>Embeddings, owned layers and pooler at the teacher's sizes; a size the student pins must match them.</summary>
    private static long OwnedParameters(StudentDescriptor student, BertConfig teacher)
    {
        StudentModel.CheckPins(student.Plan, teacher, "the teacher's config.json");
        return ParameterCount.Backbone(teacher, student.Plan.OwnedLayers);
    }

    private static void CheckBudgetAdmitsSome(SweepOptions sweep, Dictionary<string, long> owned)
    {
        if (!owned.Values.Any(sweep.Budget.Admits))
        {
            KeyValuePair<string, long> smallest = owned.MinBy(s => s.Value);
            throw new InvalidOptionException(Name / nameof(SweepOptions.Budget) / nameof(SweepBudget.MaxOwnedParameters),
                $"is {sweep.Budget.MaxOwnedParameters:N0}, and no student is within it: the smallest, {smallest.Key}, owns {smallest.Value:N0} parameters.");
        }
    }

    /// <summary>Every combination of one value per axis, as option name to canonical value, the first axis slowest.</summary>
    private static IEnumerable<IReadOnlyDictionary<string, string>> Combinations(IReadOnlyList<SweepAxis> axes)
    {
        IEnumerable<Dictionary<string, string>> combinations = [new Dictionary<string, string>(StringComparer.Ordinal)];
        foreach (SweepAxis axis in axes)
        {
            SweepAxisOption option = SweepAxisOptions.Find(axis.Option)!;
            combinations = combinations.SelectMany(c => axis.Values.Select(v => new Dictionary<string, string>(c, StringComparer.Ordinal) { [axis.Option] = option.Canonical(v)! }))
                .ToList();
        }
        return combinations;
    }

    private static SweepCell Cell(SweepOptions sweep, string group, StudentDescriptor student, SweepRecipe recipe, IReadOnlyDictionary<string, string> settings, int seed, long owned)
    {
        string id = SweepCell.IdOf(SweepCell.Canonical(student.Name, recipe, settings, seed));
        var options = new PipelineOptions
        {
            Data = sweep.Data,
            Teacher = sweep.FineTuneTeacher ? Path.Combine(sweep.Folder, "teacher") : sweep.Teacher,
            Student = student,
            OutputFolder = Path.Combine(sweep.Folder, "cells", id),
            Ptp = SweepRecipes.Ptp(recipe),
            KdLoss = SweepRecipes.Loss(recipe),
        };
        options = options with { KdTraining = options.KdTraining with { Seed = seed }, PtpTraining = options.PtpTraining with { Seed = seed } };
        foreach (KeyValuePair<string, string> setting in settings)
        {
            options = SweepAxisOptions.Find(setting.Key)!.Apply(options, setting.Value);
        }
        options = options with { RecordFolder = new SweepFolder(sweep.Folder).Records(options.MaxLength) }; // one record per length, computed once by the shared steps
        try
        {
            options.Validate();
        }
        catch (InvalidOptionException e)
        {
            throw new InvalidOptionException($"{group}.{nameof(SweepOptions.Axes)}",
                $"give cell {id} ({student.Name}, {SweepRecipes.Name(recipe)}{string.Concat(settings.Select(s => $", {s.Key} {s.Value}"))}) options a run refuses: {e.Message}");
        }
        return new SweepCell(id, student, recipe, settings, seed, owned, options);
    }

    private static string[] Notes(SweepBudget budget) =>
        budget.MaxInt8FileBytes is null && budget.MaxInt8LatencyMilliseconds is null ? []
            : ["the budget's int8 file size and latency are known only once a cell is trained and measured, so no cell was left out for them; the report applies them"];
}
