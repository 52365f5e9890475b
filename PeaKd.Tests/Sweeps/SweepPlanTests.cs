using System.Security.Cryptography;
using System.Text;
using SamplesCatalog = PeaKd.Samples.Students.StudentCatalog;
using PeaKd.Sweeps;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Sweeps;

/// <summary>Planning: cells, ids, impossible pairs and the budget, on the fixture teacher's sizes.</summary>
public class SweepPlanTests
{
    private const string Grid = """
          "students": ["Bert1", "Bert2", "PeaBert1", "PeaBert2"],
          "recipes": ["kd", "pkd", "peabert"],
          "axes": { "kd_learning_rate": [2e-5, 5e-5], "ptp_epochs": [1, 2] },
          "seeds": [1, 2]
        """;

    private static SweepPlan Plan(string fields)
    {
        using var folder = TestFiles.TempFolder();
        return SweepSpec.Plan(SweepSpecFiles.Write(folder, fields), SamplesCatalog.All);
    }

    private static string Sha12(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];

    [Fact]
    public void A_cell_id_is_the_sha256_of_its_canonical_settings()
    {
        SweepCell cell = Plan(Grid).Cells.First(c => c.Student.Name == "Bert1" && c.Recipe == SweepRecipe.Kd && c.Seed == 1 && c.Settings["kd_learning_rate"] == "2E-05");
        const string canonical = """{"axes":{"kd_learning_rate":"2E-05"},"recipe":"kd","seed":1,"student":"Bert1"}""";
        Assert.Equal(canonical, cell.CanonicalJson);
        Assert.Equal(Sha12(canonical), cell.Id);
        Assert.Equal(Path.Combine("sweep", "cells", cell.Id), Path.GetRelativePath(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(cell.Options.OutputFolder))!)!, cell.Options.OutputFolder));
    }

    [Fact]
    public void Ids_stay_when_an_axis_gains_a_value_and_do_not_depend_on_axis_order()
    {
        SweepPlan before = Plan("""
            "students": ["Bert1", "PeaBert1"], "recipes": ["pkd", "peabert"], "seeds": [1],
            "axes": { "kd_learning_rate": [2e-5], "ptp_epochs": [1] }
            """);
        SweepPlan after = Plan("""
            "students": ["Bert1", "PeaBert1"], "recipes": ["pkd", "peabert"], "seeds": [1],
            "axes": { "ptp_epochs": [2, 1], "kd_learning_rate": [5e-5, 0.00002] }
            """);
        // before: Bert1 x pkd (ptp_epochs dropped: no PTP) and PeaBert1 x peabert, one value each: 2 cells.
        // after: Bert1 x pkd 2 rates, PeaBert1 x peabert 2 rates x 2 PTP epochs: 6 cells, the first 2 among them.
        Assert.Equal(2, before.Cells.Count);
        Assert.Equal(6, after.Cells.Count);
        foreach (SweepCell cell in before.Cells)
        {
            SweepCell same = Assert.Single(after.Cells, c => c.Id == cell.Id);
            Assert.Equal(cell.CanonicalJson, same.CanonicalJson);
        }
        Assert.Equal(6, after.Cells.Select(c => c.Id).Distinct().Count());
    }

    [Fact]
    public void Impossible_pairs_are_not_planned_and_ptp_axes_do_not_split_recipes_without_ptp()
    {
        SweepPlan plan = Plan(Grid);
        // Bert1, Bert2 x kd, pkd: 2 rates x 2 seeds = 4 cells each (16); PeaBert1, PeaBert2 x peabert: 2 rates x 2 PTP
        // epochs x 2 seeds = 8 each (16). Left out: Bert1, Bert2 x peabert (8 each), PeaBert1, PeaBert2 x kd, pkd (4 each).
        Assert.Equal(32, plan.Cells.Count);
        Assert.DoesNotContain(plan.Cells, c => c.Student.Name.StartsWith("PeaBert", StringComparison.Ordinal) != (c.Recipe == SweepRecipe.PeaBert));
        Assert.All(plan.Cells.Where(c => c.Recipe != SweepRecipe.PeaBert), c => Assert.False(c.Settings.ContainsKey("ptp_epochs")));
        Assert.All(plan.Cells, c => Assert.Equal(c.Recipe == SweepRecipe.PeaBert, c.Options.Ptp));
        Assert.Equal(
            ["Bert1 PeaBert 8", "Bert2 PeaBert 8", "PeaBert1 Kd 4", "PeaBert1 Pkd 4", "PeaBert2 Kd 4", "PeaBert2 Pkd 4"],
            plan.LeftOut.Select(e => $"{e.Student} {e.Recipe} {e.Cells}"));
        Assert.All(plan.LeftOut, e => Assert.Equal(SweepExclusionReason.ImpossiblePair, e.Reason));
    }

    [Fact]
    public void A_cell_maps_to_the_run_options_of_its_recipe_axes_and_seed()
    {
        SweepCell cell = Plan(Grid).Cells.First(c => c.Student.Name == "PeaBert2" && c.Seed == 2 && c.Settings["kd_learning_rate"] == "5E-05" && c.Settings["ptp_epochs"] == "1");
        Assert.Equal(5e-5, cell.Options.KdTraining.LearningRate);
        Assert.Equal(1, cell.Options.PtpTraining.Epochs);
        Assert.Equal(2, cell.Options.KdTraining.Seed);
        Assert.Equal(2, cell.Options.PtpTraining.Seed);
        Assert.Equal((0.7, 10.0, 100.0), (cell.Options.KdLoss.Alpha, cell.Options.KdLoss.Temperature, cell.Options.KdLoss.Beta));
        Assert.Equal(SweepSpecFiles.Owned(2), cell.OwnedParameters);
        Assert.Equal(18_560, cell.OwnedParameters);
    }

    [Fact]
    public void The_budget_leaves_out_students_over_it()
    {
        // 15,000 admits one owned layer (11,056) but not two (18,560).
        SweepPlan plan = Plan(Grid + """, "budget": { "max_owned_parameters": 15000 }""");
        Assert.Equal(16, plan.Cells.Count); // Bert1 x kd, pkd (4 each) and PeaBert1 x peabert (8)
        Assert.All(plan.Cells, c => Assert.Equal(11_056, c.OwnedParameters));
        Assert.Equal(["Bert2 Kd 4", "Bert2 Pkd 4", "PeaBert2 PeaBert 8"],
            plan.LeftOut.Where(e => e.Reason == SweepExclusionReason.OverBudget).Select(e => $"{e.Student} {e.Recipe} {e.Cells}"));
        Assert.Empty(plan.Notes);
    }

    [Fact]
    public void The_budget_admits_up_to_its_limit()
    {
        var budget = new SweepBudget { MaxOwnedParameters = 18_560 };
        Assert.True(budget.Admits(18_560));
        Assert.False(budget.Admits(18_561));
        Assert.True(new SweepBudget().Admits(long.MaxValue));
    }

    [Fact]
    public void Int8_limits_are_declared_but_not_applied_and_the_plan_says_so()
    {
        SweepPlan plan = Plan(Grid + """, "budget": { "max_int8_file_bytes": 1, "max_int8_latency_milliseconds": 0.5 }""");
        Assert.Equal(32, plan.Cells.Count);
        Assert.Contains("the report applies them", Assert.Single(plan.Notes));
    }

    [Fact]
    public void Students_can_be_all_or_a_filter()
    {
        SweepPlan all = Plan(""" "students": "all", "recipes": ["pkd", "sps"] """);
        Assert.Equal(SamplesCatalog.All.Count, all.Cells.Count); // each student gets exactly one of the two recipes
        SweepPlan filtered = Plan(""" "students": { "owned_layers": [1, 3], "shared": true }, "recipes": ["sps"] """);
        Assert.Equal(["Albert12", "Albert6", "PeaBert1", "PeaBert3", "SpsNoShuffle3"], filtered.Cells.Select(c => c.Student.Name).Order(StringComparer.Ordinal));
    }
}
