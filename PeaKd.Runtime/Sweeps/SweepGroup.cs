using PeaKd.Options;
using PeaKd.Students;

namespace PeaKd.Sweeps;

/// <summary>
/// One product of a sweep with several (<see cref="SweepOptions.Groups"/>): its students and recipes, its axes and its
/// seeds, each one a cell as in a sweep without groups. A field left null takes the sweep's (<see cref="SweepOptions.Students"/>,
/// <see cref="SweepOptions.Recipes"/>, <see cref="SweepOptions.Seeds"/>); <see cref="Axes"/> are added to the sweep's,
/// a group's axis replacing the sweep's axis of the same option. Groups do not enter a cell's id: a cell two groups
/// plan is planned once.
/// </summary>
public sealed record SweepGroup
{
    /// <summary>The group's students; null: the sweep's.</summary>
    public IReadOnlyList<StudentDescriptor>? Students { get; init; }

    /// <summary>The group's recipes; null: the sweep's.</summary>
    public IReadOnlyList<SweepRecipe>? Recipes { get; init; }

    /// <summary>Axes on top of the sweep's: an option the sweep varies too takes the group's values here.</summary>
    public IReadOnlyList<SweepAxis> Axes { get; init; } = [];

    /// <summary>The group's seeds; null: the sweep's.</summary>
    public IReadOnlyList<int>? Seeds { get; init; }

    /// <summary>This group with the sweep's fields where it gives none, its axes merged over the sweep's (the sweep's
    /// order, then the group's own options); <paramref name="path"/> names it in errors.</summary>
    internal SweepGroupPlan Over(SweepOptions sweep, string path)
    {
        IReadOnlyList<SweepAxis> axes = sweep.Axes.Select(a => Axes.FirstOrDefault(g => g.Option == a.Option) ?? a)
            .Concat(Axes.Where(g => sweep.Axes.All(a => a.Option != g.Option))).ToArray();
        return new(path, Students ?? sweep.Students, Recipes ?? sweep.Recipes, axes, Seeds ?? sweep.Seeds);
    }

    /// <summary>Its properties and their values, lists with their items.</summary>
    public override string ToString() => RecordText.Of(this);
}

/// <summary>A group as the planner takes it, every field filled.</summary>
/// <param name="Path">The group's property path, for errors: SweepOptions, or SweepOptions.Groups[i].</param>
/// <param name="Students">Its students.</param>
/// <param name="Recipes">Its recipes.</param>
/// <param name="Axes">Its axes, the sweep's merged with its own.</param>
/// <param name="Seeds">Its seeds.</param>
internal sealed record SweepGroupPlan(string Path, IReadOnlyList<StudentDescriptor> Students, IReadOnlyList<SweepRecipe> Recipes,
    IReadOnlyList<SweepAxis> Axes, IReadOnlyList<int> Seeds);
