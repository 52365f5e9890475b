using PeaKd.Distillation;
using PeaKd.Students;

namespace PeaKd.Sweeps;

/// <summary>The Pea-KD paper's recipes, each today's run options for one kind of student. A recipe is for plain
/// students (no shared layers) or for students with shared layers, never both: a pair outside that is impossible and
/// never planned (PKD on a student with shared layers is what the paper calls SPS).</summary>
public enum SweepRecipe
{
    /// <summary>FT: a plain student fine-tuned alone (<see cref="KdSettings.FineTune"/>, no PTP).</summary>
    Ft,

    /// <summary>KD: a plain student with Hinton's KD (<see cref="KdSettings.Kd"/>, no PTP).</summary>
    Kd,

    /// <summary>PKD: a plain student with patient KD (<see cref="KdSettings.Pkd"/>, no PTP).</summary>
    Pkd,

    /// <summary>SPS: a student with shared layers, trained with patient KD (<see cref="KdSettings.Pkd"/>, no PTP).</summary>
    Sps,

    /// <summary>PeaBERT: a student with shared layers, pretrained with PTP, then patient KD (<see cref="KdSettings.Pkd"/>).</summary>
    PeaBert,
}

/// <summary>What each recipe sets in a run's options, and which students it is for.</summary>
internal static class SweepRecipes
{
    /// <summary>The recipe's name in a spec and in a cell's settings: ft, kd, pkd, sps, peabert.</summary>
    public static string Name(SweepRecipe recipe) => recipe.ToString().ToLowerInvariant();

    /// <summary>The recipe called <paramref name="name"/> (case-insensitive), or null.</summary>
    public static SweepRecipe? Find(string name) =>
        Enum.GetValues<SweepRecipe>().Select(r => (SweepRecipe?)r).FirstOrDefault(r => Name(r!.Value) == name.Trim().ToLowerInvariant());

    /// <summary>The KD loss the recipe trains with.</summary>
    public static KdSettings Loss(SweepRecipe recipe) => recipe switch
    {
        SweepRecipe.Ft => KdSettings.FineTune,
        SweepRecipe.Kd => KdSettings.Kd,
        _ => KdSettings.Pkd,
    };

    /// <summary>Whether the recipe pretrains with PTP before KD.</summary>
    public static bool Ptp(SweepRecipe recipe) => recipe == SweepRecipe.PeaBert;

    /// <summary>Whether the recipe is for students with shared layers (SPS, PeaBERT) rather than plain ones.</summary>
    public static bool ForSharedStudents(SweepRecipe recipe) => recipe is SweepRecipe.Sps or SweepRecipe.PeaBert;

    /// <summary>Why <paramref name="recipe"/> cannot train <paramref name="student"/>, or null when it can.</summary>
    public static string? Impossible(SweepRecipe recipe, StudentDescriptor student)
    {
        bool shared = student.Plan.SharedLayers.Any();
        if (ForSharedStudents(recipe) && !shared)
        {
            return $"{Name(recipe)} needs a student with shared layers, and {student.Name} has none";
        }
        return !ForSharedStudents(recipe) && shared
            ? $"{Name(recipe)} is for plain students, and {student.Name} shares layers; use sps or peabert"
            : null;
    }
}
