using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PeaKd.Distillation;
using PeaKd.Options;
using PeaKd.Students;

namespace PeaKd.Sweeps;

/// <summary>One run of a sweep: a student, a recipe, one value of each axis the recipe reads, and a seed.</summary>
/// <param name="Id">12 hex digits of the SHA-256 of <see cref="CanonicalJson"/>: the same settings give the same id
/// whatever the axes' order and whatever other values they hold, so adding a value to an axis keeps every existing id.</param>
/// <param name="Student">The student.</param>
/// <param name="Recipe">The recipe.</param>
/// <param name="Settings">The axes' values, by option name, in canonical text (axes the recipe does not read left out).</param>
/// <param name="Seed">The seed of its KD and PTP training.</param>
/// <param name="OwnedParameters">The parameters the student owns at the teacher's sizes (classifier excluded).</param>
/// <param name="Options">The run's options; its output folder is the sweep folder's cells/<see cref="Id"/>.</param>
public sealed record SweepCell(string Id, StudentDescriptor Student, SweepRecipe Recipe,
    IReadOnlyDictionary<string, string> Settings, int Seed, long OwnedParameters, PipelineOptions Options)
{
    /// <summary>The settings an id is made from, as compact JSON with keys in ordinal order:
    /// <c>{"axes":{"kd_epochs":"3"},"recipe":"pkd","seed":1,"student":"Bert2"}</c>.</summary>
    public string CanonicalJson => Canonical(Student.Name, Recipe, Settings, Seed);

    /// <summary>The canonical JSON of a cell's settings (see <see cref="CanonicalJson"/>).</summary>
    internal static string Canonical(string student, SweepRecipe recipe, IReadOnlyDictionary<string, string> settings, int seed)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("axes");
            foreach (KeyValuePair<string, string> setting in settings.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                json.WriteString(setting.Key, setting.Value);
            }
            json.WriteEndObject();
            json.WriteString("recipe", SweepRecipes.Name(recipe));
            json.WriteNumber("seed", seed);
            json.WriteString("student", student);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The id of canonical settings: the first 12 hex digits (48 bits) of their SHA-256.</summary>
    internal static string IdOf(string canonicalJson) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalJson)))[..12];

    /// <summary>"id student recipe seed settings".</summary>
    public override string ToString() =>
        $"{Id} {Student.Name} {SweepRecipes.Name(Recipe)} seed {Seed}{string.Concat(Settings.Select(s => $" {s.Key}={s.Value}"))}";
}

/// <summary>Why planned combinations were left out.</summary>
public enum SweepExclusionReason
{
    /// <summary>The recipe is not for this kind of student (<see cref="SweepRecipe"/>).</summary>
    ImpossiblePair,

    /// <summary>The student owns more parameters than <see cref="SweepBudget.MaxOwnedParameters"/>.</summary>
    OverBudget,
}

/// <summary>A student and recipe the plan left out, and how many cells they would have made.</summary>
/// <param name="Student">The student's name.</param>
/// <param name="Recipe">The recipe.</param>
/// <param name="Reason">Why.</param>
/// <param name="Detail">Why, in words.</param>
/// <param name="Cells">The cells left out.</param>
public sealed record SweepExclusion(string Student, SweepRecipe Recipe, SweepExclusionReason Reason, string Detail, int Cells)
{
    /// <summary>Its properties and their values.</summary>
    public override string ToString() => RecordText.Of(this);
}

/// <summary>A sweep's cells and what was left out.</summary>
/// <param name="Cells">The cells to run, by student, recipe, axis values and seed in the spec's order.</param>
/// <param name="LeftOut">Each student and recipe left out, with the reason and the cells it would have made.</param>
/// <param name="Notes">What the plan could not judge, such as budget limits that only a trained cell's measurement can judge.</param>
public sealed record SweepPlan(IReadOnlyList<SweepCell> Cells, IReadOnlyList<SweepExclusion> LeftOut, IReadOnlyList<string> Notes)
{
    /// <summary>Its cells, left out pairs and notes.</summary>
    public override string ToString() => RecordText.Of(this);
}
