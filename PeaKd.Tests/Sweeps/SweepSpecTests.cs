using PeaKd.Data;
using PeaKd.Options;
using SamplesCatalog = PeaKd.Samples.Students.StudentCatalog;
using PeaKd.Sweeps;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Sweeps;

/// <summary>Bad specs are refused before anything runs, naming the field (and the line where the JSON is malformed).</summary>
public class SweepSpecTests
{
    private const string Good = """
          "students": ["Bert1", "PeaBert1"],
          "recipes": ["pkd", "peabert"],
          "axes": { "kd_epochs": [2, 3] },
          "seeds": [1]
        """;

    private static string Refusal(string fields)
    {
        using var folder = TestFiles.TempFolder();
        string path = SweepSpecFiles.Write(folder, fields);
        var e = Assert.Throws<InvalidDataException>(() => SweepSpec.Plan(path, SamplesCatalog.All));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.False(Directory.Exists(folder.File("sweep")), "nothing is written");
        return e.Message[(path.Length + 2)..];
    }

    [Fact]
    public void An_unknown_student_is_refused_naming_its_index()
    {
        string message = Refusal(Good.Replace("\"PeaBert1\"", "\"PeaBert9\""));
        Assert.StartsWith("$.students[1] is \"PeaBert9\", not a student of this program; the known students are ", message);
        Assert.Contains("PeaBert1", message[message.IndexOf("are ", StringComparison.Ordinal)..]);
    }

    [Fact]
    public void An_unknown_option_is_refused_naming_the_axis()
    {
        string message = Refusal(Good.Replace("kd_epochs", "kd_lr"));
        Assert.StartsWith("$.axes.kd_lr is 'kd_lr', which is not an option a sweep can vary; the options are kd_learning_rate, kd_epochs,", message);
    }

    [Fact]
    public void An_empty_axis_is_refused()
    {
        Assert.Equal("$.axes.kd_epochs is empty; give kd_epochs at least one value.", Refusal(Good.Replace("[2, 3]", "[]")));
    }

    [Fact]
    public void A_value_of_the_wrong_kind_or_one_the_run_refuses_is_refused()
    {
        Assert.Equal("$.axes.kd_epochs[1] is '2.5', not a whole number.", Refusal(Good.Replace("[2, 3]", "[2, 2.5]")));
        string refused = Refusal(Good.Replace("[2, 3]", "[0]"));
        Assert.StartsWith("$.axes give cell ", refused);
        Assert.Contains("PipelineOptions.KdTraining.Epochs must be at least 1, got 0.", refused);
    }

    [Fact]
    public void A_budget_no_student_meets_is_refused_naming_the_smallest()
    {
        Assert.Equal("$.budget.max_owned_parameters is 11,055, and no student is within it: the smallest, Bert1, owns 11,056 parameters.",
            Refusal(Good + """, "budget": { "max_owned_parameters": 11055 }"""));
    }

    [Fact]
    public void Unknown_recipes_missing_fields_and_empty_lists_are_refused()
    {
        Assert.StartsWith("$.recipes[1] is 'pea', not a recipe; the recipes are ft, kd, pkd, sps, peabert.", Refusal(Good.Replace("\"peabert\"", "\"pea\"")));
        Assert.Equal("$.recipes is empty; give at least one recipe.", Refusal(Good.Replace("[\"pkd\", \"peabert\"]", "[]")));
        Assert.Equal("$.seeds[1] is 1, listed already at [0].", Refusal(Good.Replace("[1]", "[1, 1]")));
        Assert.StartsWith("$.students is missing", Refusal(Good.Replace("\"students\": [\"Bert1\", \"PeaBert1\"],", "")));
    }

    [Fact]
    public void An_unknown_field_and_a_wrong_type_are_refused_with_their_line()
    {
        // the spec's first four lines are {, folder, teacher and data; the fields follow from line 5
        Assert.Equal("$.seed (line 8) is not a field here (see docs/sweeps.md for a sweep spec's fields)", Refusal(Good.Replace("\"seeds\"", "\"seed\"")));
        Assert.StartsWith("$.seeds[0] (line 8) ", Refusal(Good.Replace("[1]", "[\"one\"]")));
    }

    [Fact]
    public void The_api_refuses_bad_options_naming_the_property()
    {
        var sweep = new SweepOptions
        {
            Folder = "sweep",
            Teacher = TestFiles.Fixture("tiny-bert"),
            Data = DataSource.Files("tsv", "data"),
            Students = [PeaKd.Samples.Students.Bert1.Descriptor],
            Recipes = [SweepRecipe.Pkd],
            Axes = [SweepAxis.Of("kd_epochs")],
        };
        Assert.Equal("SweepOptions.Axes[0].Values", Assert.Throws<InvalidOptionException>(() => SweepPlanner.Plan(sweep)).Property);
        Assert.Equal("SweepOptions.Axes[0].Option", Assert.Throws<InvalidOptionException>(() => SweepPlanner.Plan(sweep with { Axes = [SweepAxis.Of("epochs", 1)] })).Property);
        Assert.Equal("SweepOptions.Students", Assert.Throws<InvalidOptionException>(() => SweepPlanner.Plan(sweep with { Students = [], Axes = [] })).Property);
        Assert.Equal("SweepOptions.Budget.MaxOwnedParameters",
            Assert.Throws<InvalidOptionException>(() => SweepPlanner.Plan(sweep with { Axes = [], Budget = new() { MaxOwnedParameters = 100 } })).Property);
        Assert.Equal(2, SweepPlanner.Plan(sweep with { Axes = [SweepAxis.Of("kd_learning_rate", 1e-5, 2e-5)] }).Cells.Count);
    }

    [Fact]
    public void The_teachers_fine_tuning_and_the_positive_label_are_read_and_bad_values_named()
    {
        using var folder = TestFiles.TempFolder();
        string path = folder.File("spec.json");
        File.WriteAllText(path, SweepSpecFiles.Json(Good + """
            , "finetune_teacher": true, "fine_tuning": { "epochs": 2, "learning_rate": 5e-5, "seed": 1, "eval_every": 20, "select_by": "loss" }
            """).Replace("\"folder\": \"data\" }", "\"folder\": \"data\", \"positive_label\": \"great\" }"));
        SweepOptions sweep = SweepSpec.Load(path, SamplesCatalog.All);
        Assert.Equal(new PeaKd.Training.TrainingOptions { Epochs = 2, LearningRate = 5e-5, Seed = 1, EvalEvery = 20, SelectBy = PeaKd.Training.DevSelection.Loss }, sweep.FineTuning);
        Assert.Equal("great", sweep.Data.Task.PositiveLabel);

        Assert.False(sweep.Prune); // every planned cell runs unless the spec says otherwise
        File.WriteAllText(path, SweepSpecFiles.Json(Good + """, "prune": true"""));
        Assert.True(SweepSpec.Load(path, SamplesCatalog.All).Prune);
        Assert.StartsWith("$.prune (line ", Refusal(Good + ", \"prune\": \"yes\""));

        Assert.StartsWith("$.fine_tuning.select_by is 'best'; give metric", Refusal(Good + """, "fine_tuning": { "select_by": "best" }"""));
        Assert.StartsWith("$.fine_tuning.learning_rate ", Refusal(Good + """, "fine_tuning": { "learning_rate": -1 }"""));
    }

    [Fact]
    public void Ptp_thresholds_and_eval_every_vary_as_axes()
    {
        using var folder = TestFiles.TempFolder();
        string path = SweepSpecFiles.Write(folder, """
            "students": ["PeaBert1"], "recipes": ["sps", "peabert"], "seeds": [1],
            "axes": { "ptp_thresholds": ["median", "0.98, 0.80"], "eval_every": [20] }
            """);
        SweepPlan plan = SweepSpec.Plan(path, SamplesCatalog.All);
        // sps has no PTP: one cell; peabert: one per threshold
        Assert.Equal(["sps eval_every=20", "peabert eval_every=20 ptp_thresholds=median", "peabert eval_every=20 ptp_thresholds=0.98,0.8"],
            plan.Cells.Select(c => $"{c.Recipe.ToString().ToLowerInvariant()} {string.Join(" ", c.Settings.OrderBy(s => s.Key).Select(s => $"{s.Key}={s.Value}"))}"));
        Assert.Equal(PeaKd.Distillation.PtpThresholds.Of(0.98, 0.8), plan.Cells[2].Options.PtpThresholds);
        Assert.Equal(20, plan.Cells[0].Options.KdTraining.EvalEvery);
        Assert.StartsWith("$.axes.ptp_thresholds[0] ", Refusal("""
            "students": ["PeaBert1"], "recipes": ["peabert"], "axes": { "ptp_thresholds": ["0.9"] }
            """));
    }
}
