using System.Security.Cryptography;
using System.Text;
using PeaKd.Data;
using PeaKd.Options;
using SamplesCatalog = PeaKd.Samples.Students.StudentCatalog;
using PeaKd.Sweeps;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Sweeps;

/// <summary>Groups: a sweep as the union of several products, each cell once, ids as without groups, errors naming
/// the group's field.</summary>
public class SweepGroupTests
{
    private static SweepPlan Plan(string fields)
    {
        using var folder = TestFiles.TempFolder();
        return SweepSpec.Plan(SweepSpecFiles.Write(folder, fields), SamplesCatalog.All);
    }

    private static string Refusal(string fields)
    {
        using var folder = TestFiles.TempFolder();
        string path = SweepSpecFiles.Write(folder, fields);
        var e = Assert.Throws<InvalidDataException>(() => SweepSpec.Plan(path, SamplesCatalog.All));
        Assert.StartsWith(path + ": ", e.Message);
        return e.Message[(path.Length + 2)..];
    }

    private static string Describe(SweepCell c) =>
        $"{c.Student.Name} {c.Recipe.ToString().ToLowerInvariant()} s{c.Seed}{string.Concat(c.Settings.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $" {s.Key}={s.Value}"))}";

    private const string Groups = """
          "students": ["Bert1"], "recipes": ["kd"], "axes": { "kd_epochs": [2] }, "seeds": [1, 2],
          "groups": [
            {},
            { "students": ["Bert1", "Bert2"], "recipes": ["kd", "ft"], "seeds": [2, 3] },
            { "students": ["PeaBert1"], "recipes": ["sps", "peabert"], "axes": { "kd_epochs": [3], "ptp_epochs": [1, 2] } }
          ]
        """;

    [Fact]
    public void The_cells_are_the_union_of_the_groups_each_cell_once()
    {
        SweepPlan plan = Plan(Groups);
        // group 0, the sweep's own fields: Bert1 kd at kd_epochs 2, seeds 1 and 2 (2 cells).
        // group 1: Bert1 and Bert2 x kd and ft, seeds 2 and 3, kd_epochs 2 from the sweep: 8, less Bert1 kd s2, group 0's (7).
        // group 2: PeaBert1, seeds 1 and 2 (the sweep's), kd_epochs 3 (the group's, replacing the sweep's): sps without
        // ptp_epochs (2 cells), peabert with ptp_epochs 1 and 2 (4 cells). 2 + 7 + 6 = 15.
        Assert.Equal(
        [
            "Bert1 kd s1 kd_epochs=2", "Bert1 kd s2 kd_epochs=2",
            "Bert1 kd s3 kd_epochs=2", "Bert1 ft s2 kd_epochs=2", "Bert1 ft s3 kd_epochs=2",
            "Bert2 kd s2 kd_epochs=2", "Bert2 kd s3 kd_epochs=2", "Bert2 ft s2 kd_epochs=2", "Bert2 ft s3 kd_epochs=2",
            "PeaBert1 sps s1 kd_epochs=3", "PeaBert1 sps s2 kd_epochs=3",
            "PeaBert1 peabert s1 kd_epochs=3 ptp_epochs=1", "PeaBert1 peabert s2 kd_epochs=3 ptp_epochs=1",
            "PeaBert1 peabert s1 kd_epochs=3 ptp_epochs=2", "PeaBert1 peabert s2 kd_epochs=3 ptp_epochs=2",
        ], plan.Cells.Select(Describe));
        Assert.Equal(15, plan.Cells.Select(c => c.Id).Distinct().Count());
        Assert.Equal(3, plan.Cells.Single(c => Describe(c) == "PeaBert1 sps s1 kd_epochs=3").Options.KdTraining.Epochs);
        Assert.Equal(1, plan.Cells.Single(c => Describe(c) == "PeaBert1 peabert s2 kd_epochs=3 ptp_epochs=1").Options.PtpTraining.Epochs);
        // no group pairs a recipe with a student of the other kind
        Assert.Empty(plan.LeftOut);
    }

    [Fact]
    public void Groups_do_not_enter_a_cells_id()
    {
        const string canonical = """{"axes":{"kd_epochs":"2"},"recipe":"kd","seed":1,"student":"Bert1"}""";
        string sha = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))[..12];
        Assert.Equal(sha, Plan(Groups).Cells[0].Id);

        SweepPlan single = Plan("""
            "students": ["Bert1", "Bert2", "PeaBert1"], "recipes": ["pkd", "peabert"], "axes": { "kd_epochs": [2], "ptp_epochs": [1, 2] }, "seeds": [1, 2]
            """);
        SweepPlan split = Plan("""
            "recipes": ["pkd", "peabert"], "axes": { "kd_epochs": [2] }, "seeds": [1, 2],
            "groups": [
              { "students": ["PeaBert1"], "axes": { "ptp_epochs": [2, 1] }, "seeds": [2, 1] },
              { "students": ["Bert1", "Bert2"] },
              { "students": ["Bert2"], "recipes": ["pkd"], "seeds": [1] }
            ]
            """);
        // Bert1, Bert2 x pkd x 2 seeds (4) and PeaBert1 x peabert x 2 PTP epochs x 2 seeds (4): 8 cells either way
        Assert.Equal(8, single.Cells.Count);
        Assert.Equal(single.Cells.Select(c => (c.Id, c.CanonicalJson)).Order(), split.Cells.Select(c => (c.Id, c.CanonicalJson)).Order());
    }

    [Fact]
    public void Cells_start_seed_by_seed_in_the_order_the_groups_name_the_seeds()
    {
        using var folder = TestFiles.TempFolder();
        SweepOptions sweep = SweepSpec.Load(SweepSpecFiles.Write(folder, """
            "recipes": ["pkd"], "seeds": [1, 2],
            "groups": [ { "students": ["Bert2"], "seeds": [7] }, { "students": ["Bert1", "Bert2"] } ]
            """), SamplesCatalog.All);
        Assert.Equal(["Bert2 s7", "Bert1 s1", "Bert2 s1", "Bert1 s2", "Bert2 s2"],
            SweepStatus.Runnable(sweep, retryFailed: false).Select(s => $"{s.Cell.Student.Name} s{s.Cell.Seed}"));
    }

    [Fact]
    public void A_bad_group_is_refused_naming_its_field()
    {
        const string top = """ "recipes": ["pkd"], "seeds": [1], """;
        Assert.StartsWith("$.groups[1].recipes[0] is 'pkdd', not a recipe",
            Refusal(top + """ "groups": [ { "students": ["Bert1"] }, { "students": ["Bert1"], "recipes": ["pkdd"] } ] """));
        Assert.StartsWith("$.groups[0].students[1] is \"PeaBert9\", not a student of this program",
            Refusal(top + """ "groups": [ { "students": ["Bert1", "PeaBert9"] } ] """));
        Assert.StartsWith("$.groups[0].students.layers is not a filter",
            Refusal(top + """ "groups": [ { "students": { "layers": [1] } } ] """));
        Assert.StartsWith("$.groups[1].axes.kd_lr is 'kd_lr', which is not an option a sweep can vary",
            Refusal(top + """ "students": ["Bert1"], "groups": [ {}, { "axes": { "kd_lr": [1e-4] } } ] """));
        Assert.StartsWith("$.groups[0].axes.kd_epochs[1] is 'x', not a whole number",
            Refusal(top + """ "students": ["Bert1"], "groups": [ { "axes": { "kd_epochs": [2, "x"] } } ] """));
        Assert.StartsWith("$.groups[0].axes.kd_epochs is empty",
            Refusal(top + """ "students": ["Bert1"], "groups": [ { "axes": { "kd_epochs": [] } } ] """));
        Assert.StartsWith("$.groups[1].seeds[1] is 2, listed already at [0]",
            Refusal(top + """ "students": ["Bert1"], "groups": [ {}, { "seeds": [2, 2] } ] """));
        Assert.StartsWith("$.groups[1].students is missing, and the sweep has no students for its groups to share",
            Refusal(top + """ "groups": [ { "students": ["Bert1"] }, { "recipes": ["kd"] } ] """));
        Assert.StartsWith("$.groups is empty; give at least one group", Refusal(top + """ "students": ["Bert1"], "groups": [] """));
        Assert.StartsWith("$.groups[0] is null", Refusal(top + """ "students": ["Bert1"], "groups": [ null ] """));
        Assert.StartsWith("$.groups[0].seed (line ", Refusal(top + """ "students": ["Bert1"], "groups": [ { "seed": [1] } ] """));
        // a value the run refuses, from the group's axes
        Assert.StartsWith("$.groups[1].axes give cell ",
            Refusal(top + """ "students": ["Bert1"], "groups": [ {}, { "axes": { "kd_batch_size": [0] } } ] """));
    }

    [Fact]
    public void The_api_refuses_a_bad_group_naming_the_property()
    {
        var sweep = new SweepOptions
        {
            Folder = "sweep",
            Teacher = TestFiles.Fixture("tiny-bert"),
            Data = DataSource.Files("tsv", "data"),
            Recipes = [SweepRecipe.Pkd],
            Groups = [new SweepGroup { Students = [PeaKd.Samples.Students.Bert1.Descriptor] }, new SweepGroup { Students = [PeaKd.Samples.Students.Bert2.Descriptor] }],
        };
        string Refused(SweepOptions bad) => Assert.Throws<InvalidOptionException>(() => SweepPlanner.Plan(bad)).Property;

        Assert.Equal(2, SweepPlanner.Plan(sweep).Cells.Count);
        Assert.Equal("SweepOptions.Groups[1].Recipes[0]", Refused(sweep with { Groups = [sweep.Groups[0], sweep.Groups[1] with { Recipes = [(SweepRecipe)99] }] }));
        Assert.Equal("SweepOptions.Groups[1].Recipes", Refused(sweep with { Recipes = [], Groups = [sweep.Groups[0] with { Recipes = [SweepRecipe.Kd] }, sweep.Groups[1]] }));
        Assert.Equal("SweepOptions.Groups[0].Students", Refused(sweep with { Groups = [sweep.Groups[0] with { Students = [] }] }));
        Assert.Equal("SweepOptions.Groups[0].Students[1]", Refused(sweep with { Groups = [sweep.Groups[0] with { Students = [PeaKd.Samples.Students.Bert1.Descriptor, PeaKd.Samples.Students.Bert1.Descriptor] }] }));
        Assert.Equal("SweepOptions.Groups[1].Axes[0].Values", Refused(sweep with { Groups = [sweep.Groups[0], sweep.Groups[1] with { Axes = [SweepAxis.Of("kd_epochs")] }] }));
        Assert.Equal("SweepOptions.Groups[0].Seeds[1]", Refused(sweep with { Groups = [sweep.Groups[0] with { Seeds = [3, 3] }] }));
        Assert.Equal("SweepOptions.Groups[0].Seeds", Refused(sweep with { Groups = [sweep.Groups[0] with { Seeds = [] }] }));
        Assert.Equal("SweepOptions.Groups[0]", Refused(sweep with { Groups = [null!] }));
        // without groups, the sweep's own lists are the one product and must be given, as before groups existed
        Assert.Equal("SweepOptions.Students", Refused(sweep with { Groups = [] }));
    }
}
