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

    /// <summary>The students to try: generated descriptors, such as <c>StudentCatalog.All</c> or a filter of it.</summary>
    public required IReadOnlyList<StudentDescriptor> Students { get; init; }

    /// <summary>The recipes to try; each student gets those meant for its kind (<see cref="SweepRecipe"/>).</summary>
    public required IReadOnlyList<SweepRecipe> Recipes { get; init; }

    /// <summary>The run options to vary; cells are the product of their values. None: one cell per student, recipe and seed.</summary>
    public IReadOnlyList<SweepAxis> Axes { get; init; } = [];

    /// <summary>The seeds each setting runs with (KD's and PTP's <see cref="TrainingOptions.Seed"/>).</summary>
    public IReadOnlyList<int> Seeds { get; init; } = [42];

    /// <summary>The deployment budget; students over it are not planned.</summary>
    public SweepBudget Budget { get; init; } = new();

    /// <summary>Checks every value on its own (no file is read); throws <see cref="InvalidOptionException"/> naming the
    /// first invalid property. The budget is checked against the students when planning.</summary>
    public void Validate()
    {
        OptionCheck.NotEmpty(Name / nameof(Folder), Folder, "the sweep's folder");
        OptionCheck.NotEmpty(Name / nameof(Teacher), Teacher, "the teacher's model folder");
        DataSource.CheckSet(Name / nameof(Data), Data);
        OptionCheck.NotNull(Name / nameof(FineTuning), FineTuning, "the teacher's fine-tuning (new TrainingOptions() for the defaults)");
        FineTuning.Validate(Name / nameof(FineTuning));
        NotEmpty(nameof(Students), Students, "student");
        for (int i = 0; i < Students.Count; i++)
        {
            OptionCheck.NotNull($"{Name / nameof(Students)}[{i}]", Students[i], "a student's generated descriptor");
            int first = Students.ToList().FindIndex(s => s.Name == Students[i].Name);
            if (first != i)
            {
                throw new InvalidOptionException($"{Name / nameof(Students)}[{i}]", $"is {Students[i].Name}, listed already at [{first}].");
            }
        }
        NotEmpty(nameof(Recipes), Recipes, "recipe");
        for (int i = 0; i < Recipes.Count; i++)
        {
            OptionCheck.Defined($"{Name / nameof(Recipes)}[{i}]", Recipes[i]);
        }
        Once(nameof(Recipes), Recipes);
        OptionCheck.NotNull(Name / nameof(Axes), Axes, "the axes (empty for none)");
        for (int i = 0; i < Axes.Count; i++)
        {
            OptionCheck.NotNull($"{Name / nameof(Axes)}[{i}]", Axes[i], "an axis");
            Axes[i].Validate($"{Name / nameof(Axes)}[{i}]");
            int first = Axes.ToList().FindIndex(a => a.Option == Axes[i].Option);
            if (first != i)
            {
                throw new InvalidOptionException($"{Name / nameof(Axes)}[{i}]", $"varies {Axes[i].Option}, as [{first}] does already; give one axis its values.");
            }
        }
        NotEmpty(nameof(Seeds), Seeds, "seed");
        Once(nameof(Seeds), Seeds);
        OptionCheck.NotNull(Name / nameof(Budget), Budget, "the budget (new SweepBudget() for none)");
        Budget.Validate(Name / nameof(Budget));
    }

    private static void NotEmpty<T>(string property, IReadOnlyList<T>? items, string what)
    {
        if (items is null || items.Count == 0)
        {
            throw new InvalidOptionException(Name / property, $"is empty; give at least one {what}.");
        }
    }

    private static void Once<T>(string property, IReadOnlyList<T> items)
    {
        for (int i = 0; i < items.Count; i++)
        {
            int first = items.ToList().IndexOf(items[i]);
            if (first != i)
            {
                throw new InvalidOptionException($"{Name / property}[{i}]", $"is {items[i]}, listed already at [{first}].");
            }
        }
    }

    /// <summary>Its properties and their values, lists with their items.</summary>
    public override string ToString() => RecordText.Of(this);
}
