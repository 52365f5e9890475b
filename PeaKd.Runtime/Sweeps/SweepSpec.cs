using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using PeaKd.Data;
using PeaKd.Options;
using PeaKd.Students;
using PeaKd.Training;

namespace PeaKd.Sweeps;

/// <summary>
/// A sweep as a JSON file: the fields of <see cref="SweepOptions"/> in snake_case. Folders are relative to the file's
/// own folder. A bad file is an <see cref="InvalidDataException"/> naming the file and the field's JSON path
/// (<c>$.axes.kd_epochs[1]</c>), and the line where the JSON itself is malformed or of the wrong type.
/// </summary>
/// <remarks>See docs/sweeps.md for the format. <c>students</c> is "all", a list of names, or a filter
/// <c>{"owned_layers": [1, 2], "shared": true}</c> over the catalog.</remarks>
public static partial class SweepSpec
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>Reads and validates the sweep in <paramref name="path"/>, its students found in <paramref name="catalog"/>.</summary>
    /// <param name="path">The spec's JSON file.</param>
    /// <param name="catalog">The program's students (the generated <c>StudentCatalog.All</c>).</param>
    public static SweepOptions Load(string path, IReadOnlyList<StudentDescriptor> catalog) => Read(path, catalog).Sweep;

    /// <summary>Reads the sweep in <paramref name="path"/> and plans it (<see cref="SweepPlanner.Plan(SweepOptions)"/>),
    /// its errors naming the file's fields.</summary>
    /// <param name="path">The spec's JSON file.</param>
    /// <param name="catalog">The program's students (the generated <c>StudentCatalog.All</c>).</param>
    public static SweepPlan Plan(string path, IReadOnlyList<StudentDescriptor> catalog)
    {
        (SweepOptions sweep, SpecFile file) = Read(path, catalog);
        return InJsonTerms(path, file, () => SweepPlanner.Plan(sweep));
    }

    /// <summary>The sweep, checked, and the file it was read from (whose axis names the errors map back to).</summary>
    private static (SweepOptions Sweep, SpecFile File) Read(string path, IReadOnlyList<StudentDescriptor> catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        SpecFile file = Parse(path);
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string Under(string relative) => Path.Combine(folder, relative);
        SweepOptions sweep = InJsonTerms(path, file, () => new SweepOptions
        {
            Folder = Under(Required(file.Folder, "folder", "the sweep's folder")),
            Teacher = Under(Required(file.Teacher, "teacher", "the teacher's model folder")),
            FineTuneTeacher = file.FinetuneTeacher,
            FineTuning = FineTuningOf(file.FineTuning),
            Data = DataOf(Required(file.Data, "data", "the task and its folder: {\"task\": \"sst2\", \"folder\": \"data/sst2\"}"), Under),
            Students = file.Groups is not null && file.Students.ValueKind == JsonValueKind.Undefined ? [] // each group gives its own
                : SweepStudents.Resolve(file.Students, catalog, "students"),
            Recipes = RecipesOf(file.Recipes ?? [], "recipes"),
            Axes = AxesOf(file.Axes, "axes"),
            Seeds = file.Seeds ?? [42],
            Groups = GroupsOf(file.Groups, catalog),
            Budget = file.Budget ?? new(),
            Prune = file.Prune,
        });
        InJsonTerms(path, file, () => { sweep.Validate(); return sweep; });
        return (sweep, file);
    }

    /// <summary>A spec is a few hundred bytes; a file far larger (or a device, a pipe) is not one.</summary>
    private const long MaxSpecBytes = 4 << 20;

    private static SpecFile Parse(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: sweep spec not found.", path);
        }
        string text = IO.BoundedFile.ReadAllText(path, MaxSpecBytes, () => new InvalidDataException(
            $"{path}: more than {MaxSpecBytes:N0} bytes, far more than a sweep spec can be; is this the right file?"));
        try
        {
            return JsonSerializer.Deserialize<SpecFile>(text, Json)
                ?? throw new InvalidDataException($"{path}: is null; a sweep spec is a JSON object (see docs/sweeps.md).");
        }
        catch (JsonException e)
        {
            string problem = e.Message.Contains("could not be mapped", StringComparison.Ordinal)
                ? "is not a field here (see docs/sweeps.md for a sweep spec's fields)"
                : Regex.Replace(e.Message, @" Path: .*$", "").Replace("PeaKd.Sweeps.SweepSpec+", "");
            throw new InvalidDataException($"{path}: {e.Path} (line {e.LineNumber + 1}) {problem}", e);
        }
    }

    /// <summary>Runs <paramref name="body"/>, turning an <see cref="InvalidOptionException"/>'s property into the
    /// field's JSON path: SweepOptions.Axes[1].Values[0] is $.axes.NAME[0], SweepOptions.Budget.MaxOwnedParameters is
    /// $.budget.max_owned_parameters.</summary>
    private static T InJsonTerms<T>(string path, SpecFile file, Func<T> body)
    {
        try
        {
            return body();
        }
        catch (InvalidOptionException e)
        {
            string field = AxisPath().Replace(e.Property, m => m.Groups[1].Success
                ? $"Groups[{m.Groups[1].Value}].axes.{AxisName(file.Groups![Index(m.Groups[1])]!.Axes, m.Groups[2])}"
                : $"axes.{AxisName(file.Axes, m.Groups[2])}");
            field = field.StartsWith(nameof(SweepOptions) + ".", StringComparison.Ordinal) ? field[(nameof(SweepOptions).Length + 1)..] : field;
            field = string.Join(".", field.Split('.').Select(s => s.StartsWith("axes[", StringComparison.Ordinal) ? s : Snake(s)));
            throw new InvalidDataException($"{path}: $.{field} {e.Problem}", e);
        }
    }

    private static string Snake(string segment)
    {
        int bracket = segment.IndexOf('[', StringComparison.Ordinal);
        return bracket < 0 ? JsonNamingPolicy.SnakeCaseLower.ConvertName(segment) : JsonNamingPolicy.SnakeCaseLower.ConvertName(segment[..bracket]) + segment[bracket..];
    }

    private static int Index(Group digits) => int.Parse(digits.Value, System.Globalization.CultureInfo.InvariantCulture);

    private static string AxisName(Dictionary<string, JsonElement>? axes, Group index) => (axes ?? []).Keys.ElementAt(Index(index));

    /// <summary>An axis's property path: Axes[1].Values, or a group's, Groups[0].Axes[1].Values.</summary>
    [GeneratedRegex(@"(?:Groups\[(\d+)\]\.)?Axes\[(\d+)\](\.Option|\.Values)?")]
    private static partial Regex AxisPath();

    /// <summary>An error naming a field of the spec, caught by <see cref="InJsonTerms"/>.</summary>
    internal static InvalidOptionException Field(string field, string problem) =>
        new($"{nameof(SweepOptions)}.{field}", problem);

    private static T Required<T>(T? value, string field, string what) where T : class =>
        value ?? throw Field(field, $"is missing; give {what}.");

    private static DataSource DataOf(DataFile data, Func<string, string> under)
    {
        string task = data.Task ?? throw Field("data.task", "is missing; give the task's name, as DataSource.Files takes it (a GLUE task such as sst2, or tsv).");
        string folder = data.Folder ?? throw Field("data.folder", "is missing; give the folder with train.tsv and dev.tsv.");
        try
        {
            Data.Tasks.TaskDefinition definition = Data.Tasks.TaskRegistry.Resolve(task);
            return DataSource.Files(data.PositiveLabel is null ? definition : definition with { PositiveLabel = data.PositiveLabel }, under(folder));
        }
        catch (ArgumentException e) when (e is not InvalidOptionException)
        {
            throw Field("data.task", $"is '{task}': {e.Message}");
        }
    }

    private static SweepRecipe[] RecipesOf(List<string> recipes, string field) =>
        recipes.Select((r, i) => SweepRecipes.Find(r) ?? throw Field($"{field}[{i}]",
            $"is '{r}', not a recipe; the recipes are {string.Join(", ", Enum.GetValues<SweepRecipe>().Select(SweepRecipes.Name))}.")).ToArray();

    private static SweepAxis[] AxesOf(Dictionary<string, JsonElement>? axes, string field) =>
        (axes ?? []).Select(a => new SweepAxis(a.Key, Values(field, a.Key, a.Value))).ToArray();

    /// <summary>groups: each a product of its own; a field a group leaves out is the sweep's.</summary>
    private static SweepGroup[] GroupsOf(List<GroupFile?>? groups, IReadOnlyList<StudentDescriptor> catalog)
    {
        if (groups is null)
        {
            return [];
        }
        if (groups.Count == 0)
        {
            throw Field("groups", "is empty; give at least one group ({\"students\": [...], \"recipes\": [...], \"axes\": {...}, \"seeds\": [...]}), or leave groups out for one product of the sweep's fields.");
        }
        return groups.Select((g, i) => g is null
            ? throw Field($"groups[{i}]", "is null; give a group: {\"students\": [...], \"recipes\": [...], \"axes\": {...}, \"seeds\": [...]}, each field optional.")
            : new SweepGroup
            {
                Students = g.Students.ValueKind == JsonValueKind.Undefined ? null : SweepStudents.Resolve(g.Students, catalog, $"groups[{i}].students"),
                Recipes = g.Recipes is null ? null : RecipesOf(g.Recipes, $"groups[{i}].recipes"),
                Axes = AxesOf(g.Axes, $"groups[{i}].axes"),
                Seeds = g.Seeds,
            }).ToArray();
    }

    private static string[] Values(string field, string option, JsonElement values) =>
        values.ValueKind != JsonValueKind.Array
            ? throw Field($"{field}.{option}", $"is {values.ValueKind.ToString().ToLowerInvariant()}; give a list of values, such as [1, 2].")
            : values.EnumerateArray().Select((v, i) => v.ValueKind switch
            {
                JsonValueKind.Number => v.GetRawText(),
                JsonValueKind.String => v.GetString()!,
                _ => throw Field($"{field}.{option}[{i}]", $"is {v.ValueKind.ToString().ToLowerInvariant()}; give a number or a name."),
            }).ToArray();

    /// <summary>The file as written; <see cref="Load"/> checks it field by field.</summary>
    private sealed class SpecFile
    {
        public string? Folder { get; set; }
        public string? Teacher { get; set; }
        public bool FinetuneTeacher { get; set; }
        public FineTuneFile? FineTuning { get; set; }
        public DataFile? Data { get; set; }
        public JsonElement Students { get; set; }
        public List<string>? Recipes { get; set; }
        public Dictionary<string, JsonElement>? Axes { get; set; }
        public List<int>? Seeds { get; set; }
        public List<GroupFile?>? Groups { get; set; }
        public SweepBudget? Budget { get; set; }
        public bool Prune { get; set; }
    }

    /// <summary>A group as written: any of the sweep's students, recipes, axes and seeds.</summary>
    private sealed class GroupFile
    {
        public JsonElement Students { get; set; }
        public List<string>? Recipes { get; set; }
        public Dictionary<string, JsonElement>? Axes { get; set; }
        public List<int>? Seeds { get; set; }
    }

    private sealed class DataFile
    {
        public string? Task { get; set; }
        public string? Folder { get; set; }
        public string? PositiveLabel { get; set; }
    }

    /// <summary>The teacher's fine-tuning; unset fields keep <see cref="TrainingOptions"/>' defaults.</summary>
    private sealed class FineTuneFile
    {
        public int? Epochs { get; set; }
        public int? BatchSize { get; set; }
        public double? LearningRate { get; set; }
        public int? Seed { get; set; }
        public int? EvalEvery { get; set; }
        public string? SelectBy { get; set; }
    }

    private static TrainingOptions FineTuningOf(FineTuneFile? file)
    {
        var defaults = new TrainingOptions();
        if (file is null)
        {
            return defaults;
        }
        DevSelection selectBy = file.SelectBy switch
        {
            null or "metric" => DevSelection.Metric,
            "loss" => DevSelection.Loss,
            string other => throw Field("FineTuning.SelectBy", $"is '{other}'; give metric (the task's main metric, the default) or loss."),
        };
        return defaults with
        {
            Epochs = file.Epochs ?? defaults.Epochs,
            BatchSize = file.BatchSize ?? defaults.BatchSize,
            LearningRate = file.LearningRate ?? defaults.LearningRate,
            Seed = file.Seed ?? defaults.Seed,
            EvalEvery = file.EvalEvery ?? defaults.EvalEvery,
            SelectBy = selectBy,
        };
    }
}
