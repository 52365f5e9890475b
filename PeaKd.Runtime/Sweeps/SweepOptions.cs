using PeaKd.Data;
using PeaKd.Distillation;
using PeaKd.Options;
using PeaKd.Students;
using PeaKd.Training;

namespace PeaKd.Sweeps;

/// <summary>
/// A sweep: one teacher and task, the students and recipes to try, the run options to vary, the seeds, and a budget.
/// <see cref="SweepPlanner.Plan(SweepOptions)"/> turns it into cells, one run each; <see cref="SweepSpec.Load"/> reads
/// the same from a JSON file; <see cref="SweepRunner"/>, <see cref="SweepLocalExecutor"/> and <see cref="SweepStatus"/> run
/// it. <see cref="Validate"/> refuses a bad sweep naming the property, before anything runs.
/// </summary>
public sealed record SweepOptions
{
    private static readonly OptionPath Name = new(nameof(SweepOptions));

    /// <summary>The sweep's folder: each cell's run folder is cells/ID under it.</summary>
    public required string Folder { get; init; }

    /// <summary>The teacher's model folder: fine-tuned, or the pretrained model the sweep fine-tunes once when
    /// <see cref="FineTuneTeacher"/> is set (as <see cref="PipelineOptions.Teacher"/>).</summary>
    public required string Teacher { get; init; }

    /// <summary>Fine-tune <see cref="Teacher"/> on the task once, into the sweep's teacher/ folder, which every cell
    /// then reads as its teacher.</summary>
    public bool FineTuneTeacher { get; init; }

    /// <summary>How the teacher is fine-tuned when <see cref="FineTuneTeacher"/> is set (at the longest max length
    /// a cell uses); part of the sweep's identity, so a sweep folder refuses a changed fine-tuning.</summary>
    public TrainingOptions FineTuning { get; init; } = new();

    /// <summary>The task's examples, as a run takes them (<see cref="DataSource.Files(string, string)"/>).</summary>
    public required DataSource Data { get; init; }

    /// <summary>The students to try: generated descriptors, such as <c>StudentCatalog.All</c> or a filter of it. With
    /// <see cref="Groups"/>, the students of each group that gives none (empty when every group gives its own).</summary>
    public IReadOnlyList<StudentDescriptor> Students { get; init; } = [];

    /// <summary>The recipes to try; each student gets those meant for its kind (<see cref="SweepRecipe"/>). With
    /// <see cref="Groups"/>, the recipes of each group that gives none.</summary>
    public IReadOnlyList<SweepRecipe> Recipes { get; init; } = [];

    /// <summary>The run options to vary; cells are the product of their values. None: one cell per student, recipe and
    /// seed. With <see cref="Groups"/>, every group's axes, each group adding its own or replacing one of these.</summary>
    public IReadOnlyList<SweepAxis> Axes { get; init; } = [];

    /// <summary>The seeds each setting runs with (KD's and PTP's <see cref="TrainingOptions.Seed"/>). With
    /// <see cref="Groups"/>, the seeds of each group that gives none.</summary>
    public IReadOnlyList<int> Seeds { get; init; } = [42];

    /// <summary>Several products instead of one: the cells are the union of each group's (<see cref="SweepGroup"/>),
    /// a cell two groups plan planned once. Empty (the default): one product, of <see cref="Students"/>,
    /// <see cref="Recipes"/>, <see cref="Axes"/> and <see cref="Seeds"/>.</summary>
    public IReadOnlyList<SweepGroup> Groups { get; init; } = [];

    /// <summary>The deployment budget; students over it are not planned.</summary>
    public SweepBudget Budget { get; init; } = new();

    /// <summary>Skip, at its start, a cell the finished cells show cannot count: over the budget's int8 size or latency
    /// as its student measured, or beaten on every cost by a cell that scored above the teacher (the rule:
    /// <c>docs/sweeps.md</c>, "Skipping cells that cannot count"). Off by default: every planned cell runs. Not part of
    /// the sweep's identity: it decides which cells run, not what a cell computes.</summary>
    public bool Prune { get; init; }

    /// <summary>Checks every value on its own (no file is read); throws <see cref="InvalidOptionException"/> naming the
    /// first invalid property. The budget is checked against the students when planning.</summary>
    public void Validate()
    {
        OptionCheck.NotEmpty(Name / nameof(Folder), Folder, "the sweep's folder");
        OptionCheck.NotEmpty(Name / nameof(Teacher), Teacher, "the teacher's model folder");
        DataSource.CheckSet(Name / nameof(Data), Data);
        OptionCheck.NotNull(Name / nameof(FineTuning), FineTuning, "the teacher's fine-tuning (new TrainingOptions() for the defaults)");
        FineTuning.Validate(Name / nameof(FineTuning));
        OptionCheck.NotNull(Name / nameof(Groups), Groups, "the groups (empty for one product)");
        bool grouped = Groups.Count > 0;
        CheckStudents(Name / nameof(Students), Students, mayBeEmpty: grouped);
        CheckRecipes(Name / nameof(Recipes), Recipes, mayBeEmpty: grouped);
        CheckAxes(Name / nameof(Axes), Axes);
        CheckSeeds(Name / nameof(Seeds), Seeds);
        for (int g = 0; g < Groups.Count; g++)
        {
            string group = $"{Name / nameof(Groups)}[{g}]";
            OptionCheck.NotNull(group, Groups[g], "a group");
            SweepGroup at = Groups[g];
            CheckStudents($"{group}.{nameof(SweepGroup.Students)}", at.Students ?? Students, mayBeEmpty: false, given: at.Students is not null);
            CheckRecipes($"{group}.{nameof(SweepGroup.Recipes)}", at.Recipes ?? Recipes, mayBeEmpty: false, given: at.Recipes is not null);
            CheckAxes($"{group}.{nameof(SweepGroup.Axes)}", at.Axes);
            if (at.Seeds is not null)
            {
                CheckSeeds($"{group}.{nameof(SweepGroup.Seeds)}", at.Seeds);
            }
        }
        OptionCheck.NotNull(Name / nameof(Budget), Budget, "the budget (new SweepBudget() for none)");
        Budget.Validate(Name / nameof(Budget));
    }

    /// <summary>The products to plan, every field filled: the groups over this sweep's fields, or this sweep as one.</summary>
    internal IReadOnlyList<SweepGroupPlan> PlannedGroups() => Groups.Count == 0
        ? [new SweepGroupPlan(Name, Students, Recipes, Axes, Seeds)]
        : Groups.Select((g, i) => g.Over(this, $"{Name / nameof(Groups)}[{i}]")).ToArray();

    /// <summary>Every seed of every group, in the order the groups first name them: the order cells start in.</summary>
    internal IReadOnlyList<int> SeedOrder() => PlannedGroups().SelectMany(g => g.Seeds).Distinct().ToArray();

    /// <summary>A list of students: empty only where <paramref name="mayBeEmpty"/>, each once. <paramref name="given"/>
    /// false: a group's list taken from the sweep's, named by the group when it is missing.</summary>
    private static void CheckStudents(string path, IReadOnlyList<StudentDescriptor>? students, bool mayBeEmpty, bool given = true)
    {
        NotEmpty(path, students, "student", mayBeEmpty, given);
        for (int i = 0; i < students!.Count; i++)
        {
            OptionCheck.NotNull($"{path}[{i}]", students[i], "a student's generated descriptor");
            int first = students.ToList().FindIndex(s => s.Name == students[i].Name);
            if (first != i)
            {
                throw new InvalidOptionException($"{path}[{i}]", $"is {students[i].Name}, listed already at [{first}].");
            }
        }
    }

    private static void CheckRecipes(string path, IReadOnlyList<SweepRecipe>? recipes, bool mayBeEmpty, bool given = true)
    {
        NotEmpty(path, recipes, "recipe", mayBeEmpty, given);
        for (int i = 0; i < recipes!.Count; i++)
        {
            OptionCheck.Defined($"{path}[{i}]", recipes[i]);
        }
        Once(path, recipes);
    }

    private static void CheckAxes(string path, IReadOnlyList<SweepAxis>? axes)
    {
        OptionCheck.NotNull(path, axes, "the axes (empty for none)");
        for (int i = 0; i < axes!.Count; i++)
        {
            OptionCheck.NotNull($"{path}[{i}]", axes[i], "an axis");
            axes[i].Validate($"{path}[{i}]");
            int first = axes.ToList().FindIndex(a => a.Option == axes[i].Option);
            if (first != i)
            {
                throw new InvalidOptionException($"{path}[{i}]", $"varies {axes[i].Option}, as [{first}] does already; give one axis its values.");
            }
        }
    }

    private static void CheckSeeds(string path, IReadOnlyList<int>? seeds)
    {
        NotEmpty(path, seeds, "seed", mayBeEmpty: false, given: true);
        Once(path, seeds!);
    }

    private static void NotEmpty<T>(string path, IReadOnlyList<T>? items, string what, bool mayBeEmpty, bool given)
    {
        if (items is null)
        {
            throw new InvalidOptionException(path, $"is null; give at least one {what}.");
        }
        if (items.Count == 0 && !mayBeEmpty)
        {
            throw new InvalidOptionException(path, given
                ? $"is empty; give at least one {what}."
                : $"is missing, and the sweep has no {what}s for its groups to share; give this group's, or the sweep's.");
        }
    }

    private static void Once<T>(string path, IReadOnlyList<T> items)
    {
        for (int i = 0; i < items.Count; i++)
        {
            int first = items.ToList().IndexOf(items[i]);
            if (first != i)
            {
                throw new InvalidOptionException($"{path}[{i}]", $"is {items[i]}, listed already at [{first}].");
            }
        }
    }

    /// <summary>Its properties and their values, lists with their items.</summary>
    public override string ToString() => RecordText.Of(this);
}
