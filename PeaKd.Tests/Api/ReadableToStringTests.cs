using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using PeaKd.Data;
using PeaKd.Data.Metrics;
using PeaKd.Distillation;
using PeaKd.Inference;
using PeaKd.Students;
using PeaKd.Tests.Distillation;
using PeaKd.Training;
using Xunit;

namespace PeaKd.Tests.Api;

/// <summary>Options and results print their values: lists and dictionaries with their items, a delegate as its
/// signature, null as null; never a runtime type name such as System.Collections.Generic.List`1[System.Int32].</summary>
public class ReadableToStringTests
{
    [Fact]
    public void Pipeline_options_print_their_values()
    {
        var options = new PipelineOptions
        {
            Data = DataSource.InMemory([new("good", "pos"), new("bad", "neg")], [new("fine", "pos")]),
            Teacher = "models/teacher",
            Student = TinyPeaBert.Descriptor,
            OutputFolder = "runs/tiny",
            InitLayers = [0],
            KdTraining = new TrainingOptions { Epochs = 2, LearningRate = 1e-4 },
        };

        string text = options.ToString();

        // expected strings written from the options above: TinyPeaBert is [Student(1), Sps], one layer run twice
        Assert.StartsWith("PipelineOptions { Data = DataSource.InMemory(train: 2 examples, dev: 1, test: none), Teacher = models/teacher, FineTuneTeacher = False, ", text);
        Assert.Contains("Student = StudentDescriptor { Name = TinyPeaBert, Plan = 0 0', Create = (BertConfig, int) => StudentModel }", text);
        Assert.Contains("InitLayers = [0]", text);
        Assert.Contains("Pretrained = null", text);
        Assert.Contains("KdLoss = KdSettings { Alpha = 0.7, Temperature = 10, Beta = 100 }", text);
        Assert.Contains("KdTraining = TrainingOptions { Epochs = 2, ", text);
        Assert.Contains("LearningRate = 0.0001", text);
        Assert.EndsWith(" }", text);
        Assert.DoesNotContain("System.", text);
        Assert.DoesNotContain("`", text);
    }

    [Fact]
    public void Results_print_their_items_with_invariant_numbers()
    {
        var report = new EvaluationReport("dev", new SplitMetrics(new Dictionary<string, double> { ["accuracy"] = 0.75, ["f1"] = 0.5 }),
            [new Prediction("pos", 0.875, new Dictionary<string, double> { ["neg"] = 0.125, ["pos"] = 0.875 })]);
        CultureInfo culture = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE"); // writes 0,75
            Assert.Equal(
                "EvaluationReport { Split = dev, Metrics = { accuracy = 0.75, f1 = 0.5 }, " +
                "Predictions = [Prediction { Label = pos, Probability = 0.875, Probabilities = { neg = 0.125, pos = 0.875 }, Score = null }], " +
                "PositiveLabel = null, Warnings = [] }",
                report.ToString());
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }

    [Fact]
    public void A_view_with_nothing_to_show_does_not_make_ToString_throw()
    {
        var teacher = new TeacherSummary("t", 6, 100, new Dictionary<string, SplitMetrics>()); // no dev split: Dev throws
        Assert.Throws<KeyNotFoundException>(() => teacher.Dev);
        Assert.Equal("TeacherSummary { Folder = t, Layers = 6, Parameters = 100, Metrics = { }, Dev = (none: KeyNotFoundException), Test = null }",
            teacher.ToString());
    }

    [Fact]
    public void A_long_list_shows_its_first_items_and_how_many_in_all()
    {
        var init = new StudentInitSummary(StudentInit.Teacher, "runs/teacher", Enumerable.Range(0, 20).ToArray());
        Assert.Equal("StudentInitSummary { From = Teacher, Folder = runs/teacher, Layers = [0, 1, 2, 3, 4, 5, 6, 7, ... (20 in all)] }", init.ToString());
        Assert.Equal("DataSource.Files(SST-2, glue/SST-2)", DataSource.Files("sst2", "glue/SST-2").ToString());
        Assert.Equal("RunPaths { Run = r, Student = r/student, Teacher = t, Predictions = { } }",
            new RunPaths("r", "r/student", "t", new Dictionary<string, string>()).ToString());
    }

    [Fact]
    public void Every_public_record_prints_with_its_own_ToString()
    {
        // The compiler's record ToString prints collections and delegates by their runtime type names and null as
        // nothing. Reporting's records are leaving the public surface (they are peakd report's).
        var compilers = typeof(StudentModel).Assembly.GetExportedTypes()
            .Where(t => t.GetMethod("<Clone>$") is not null && t.Namespace != "PeaKd.Reporting")
            .Where(t => t.GetMethod(nameof(ToString), Type.EmptyTypes)!.IsDefined(typeof(CompilerGeneratedAttribute)))
            .Select(t => t.FullName).ToList();
        Assert.True(compilers.Count == 0, $"records printed by the compiler's ToString: {string.Join(", ", compilers)}; override it with RecordText.Of(this)");
    }
}
