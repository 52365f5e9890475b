using PeaKd.Data.Metrics;
using PeaKd.Distillation;
using PeaKd.Reporting;
using PeaKd.Reporting.Analysis;
using PeaKd.Reporting.Records;
using PeaKd.Samples.Cli;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Cli;

/// <summary>A finished run as the report reads it, written by hand.</summary>
internal static class ReportRun
{
    public static RunInfo Of(double accuracy, string student = "PeaBert2", int seed = 1, bool ptp = true, double beta = 100, string init = "pretrained",
        double alpha = 0.7, double temperature = 10,
        int owned = 2, PtpStageResult? ptpStage = null, string setting = "{}", double seconds = 10, string? code = null,
        IReadOnlyList<MetricsEntry>? log = null)
    {
        bool shared = student.StartsWith("PeaBert", StringComparison.Ordinal) || student.StartsWith("SpsNoShuffle", StringComparison.Ordinal);
        string prime = student.StartsWith("PeaBert", StringComparison.Ordinal) ? "'" : "";
        string plan = string.Join(" ", Enumerable.Range(0, owned).Select(i => $"{i}")
            .Concat(shared ? Enumerable.Range(0, owned).Select(i => $"{i}{prime}") : []));
        return RunInfo.From(new RunSummary
        {
            Folder = $"/runs/{student}-{seed}-{accuracy}",
            Model = student,
            IsStudent = true,
            KdLoss = new KdSettings(alpha, temperature, beta),
            Seed = seed,
            InitFrom = init,
            Plan = plan,
            OwnedLayers = owned,
            Ptp = ptp ? ptpStage ?? Ptp(0.99, 0.9, [1700, 1700, 50, 50], 1.10, 1.16, 1.15) : null,
            Parameters = 1000,
            EffectiveDepth = shared ? 2 * owned : owned,
            TrainingSeconds = seconds,
            Metrics = new Dictionary<string, SplitMetrics> { ["test"] = new([KeyValuePair.Create("accuracy", accuracy)]) },
            Log = log ?? [],
            Setting = setting,
            Code = code,
        });
    }

    /// <summary>A PTP stage with the figures the report's PTP table shows; a null best dev loss is one an older summary did not record.</summary>
    public static PtpStageResult Ptp(double t1, double t2, int[] trainCounts, double? bestDevLoss, double devPriorLoss, double devPriorEntropy) =>
        new PtpStageResult(new StageResult { Steps = 10, Seconds = 1, ExamplesPerSecond = 1, BestScore = -bestDevLoss, BestStep = 10, BestDev = null },
            new PtpLabelStats(t1, t2, trainCounts, trainCounts)) with { BestDevLoss = bestDevLoss, DevPriorLoss = devPriorLoss, DevPriorEntropy = devPriorEntropy };
}

[Collection(TrainingCollection.Name)]
public class ReportTests
{
    [Fact]
    public void The_paired_difference_matches_a_hand_computation()
    {
        // A - B per seed: 1, 2, -1, 2, 1. Mean 1; deviations 0, 1, -2, 1, 0 -> sum of squares 6, variance 6/4 = 1.5;
        // standard error sqrt(1.5 / 5) = 0.547723; t(0.975, 4) = 2.776445 -> half width 1.520722.
        PairedComparison result = PairedComparison.Of([(82, 81), (83, 81), (81, 82), (84, 82), (80, 79)]);
        Assert.Equal(5, result.Pairs);
        Assert.Equal(1.0, result.MeanDifference, 12);
        Assert.Equal(1 - 1.520722, result.Low, 5);
        Assert.Equal(1 + 1.520722, result.High, 5);
        Assert.Equal((4, 0, 1), (result.Wins, result.Ties, result.Losses));
        Assert.False(result.Resolved); // the interval holds 0

        PairedComparison clear = PairedComparison.Of([(2, 0), (3, 0), (2.5, 0)]); // d = 2, 3, 2.5: sd 0.5, se 0.288675, t(2) = 4.302653
        Assert.Equal(2.5 - 4.302653 * 0.288675, clear.Low, 4);
        Assert.True(clear.Resolved);
        Assert.True(double.IsNaN(PairedComparison.Of([(1, 0)]).Low)); // one seed: no interval
    }

    [Theory]
    [InlineData(1, 12.7062047361747, 1e-9)] // published to 15 significant digits (R's qt(0.975, v))
    [InlineData(2, 4.30265272974946, 1e-9)]
    [InlineData(4, 2.77644510519779, 1e-9)]
    [InlineData(10, 2.22813885198627, 1e-9)]
    [InlineData(24, 2.06389856162802, 1e-9)]
    [InlineData(30, 2.04227245630124, 1e-9)]
    [InlineData(120, 1.979930, 1e-6)] // tables to six decimals
    [InlineData(1000, 1.962339, 1e-6)]
    public void The_t_quantile_matches_published_values(int degrees, double expected, double tolerance) =>
        Assert.InRange(PairedComparison.StudentT975(degrees), expected - tolerance, expected + tolerance);

    [Theory]
    [InlineData(0.6)]
    [InlineData(0.9)]
    [InlineData(0.975)]
    [InlineData(0.9995)]
    public void The_t_distribution_matches_its_closed_forms_at_one_and_two_degrees(double p)
    {
        // v = 1 is the Cauchy distribution: F(t) = 1/2 + atan(t)/pi, so t = tan(pi (p - 1/2)).
        Assert.Equal(Math.Tan(Math.PI * (p - 0.5)), StudentT.Quantile(p, 1), 1e-9 * Math.Tan(Math.PI * (p - 0.5)));
        // v = 2: F(t) = 1/2 + t / (2 sqrt(2 + t^2)), so t = (2p - 1) sqrt(2 / (1 - (2p - 1)^2)).
        double a = 2 * p - 1;
        Assert.Equal(a * Math.Sqrt(2 / (1 - a * a)), StudentT.Quantile(p, 2), 1e-9);
        Assert.Equal(1 - p, StudentT.Cdf(-StudentT.Quantile(p, 2), 2), 1e-12);
        Assert.Equal(2 * (1 - p), StudentT.TwoSidedP(StudentT.Quantile(p, 7), 7), 1e-12);
    }

    [Fact]
    public void Small_tails_keep_their_precision()
    {
        // v = 1 (Cauchy): P(T > t) = 1/2 - atan(t)/pi = atan(1/t)/pi, so the 1e-20 quantile is -1/tan(pi 1e-20)
        Assert.Equal(-1 / Math.Tan(Math.PI * 1e-20), StudentT.Quantile(1e-20, 1), 1e-9 * 1 / Math.Tan(Math.PI * 1e-20));
        // v = 2: a lower tail of 5e-13 round-trips to a two-sided p of 1e-12, to 1e-6 of itself
        double t = StudentT.Quantile(5e-13, 2);
        Assert.Equal(1e-12, StudentT.TwoSidedP(t, 2), 1e-18);
        Assert.Equal(0, StudentT.Quantile(0.5, 9), 12);
    }

    [Theory]
    [InlineData(0, 1, 0, "FT-2")]
    [InlineData(0, 5, 0, "FT-2")] // without a soft term the temperature changes nothing: still the ft preset
    [InlineData(0.7, 10, 0, "KD-2")]
    [InlineData(0.7, 10, 100, "PKD-2")]
    [InlineData(0.7, 5, 0, "KD-2 a0.7 T5 b0")]
    [InlineData(0.5, 10, 100, "PKD-2 a0.5 T10 b100")]
    [InlineData(0, 10, 100, "PKD-2 a0 T10 b100")] // hard and patient terms only: no preset
    public void A_run_is_named_by_its_loss_and_weights_off_the_papers_presets_are_spelled_out(double alpha, double temperature, double beta, string variant) =>
        Assert.Equal(variant, ReportRun.Of(0.8, "Bert2", ptp: false, alpha: alpha, temperature: temperature, beta: beta).Variant);

    [Fact]
    public void The_report_compares_each_effect_over_the_seeds_both_ran()
    {
        double[] pkd = [0.80, 0.81, 0.79], sps = [0.82, 0.82, 0.80], peabert = [0.81, 0.83, 0.82];
        List<RunInfo> runs = [];
        for (int s = 0; s < 3; s++)
        {
            runs.Add(ReportRun.Of(pkd[s], "Bert2", s + 1, ptp: false));
            runs.Add(ReportRun.Of(sps[s], "PeaBert2", s + 1, ptp: false));
            runs.Add(ReportRun.Of(peabert[s], "PeaBert2", s + 1));
            runs.Add(ReportRun.Of(0.70 + s / 100.0, "Bert1", s + 1, ptp: false, beta: 0, owned: 1)); // a "PKD-1" run: beta was forced to 0
            runs.Add(ReportRun.Of(0.72 + s / 100.0, "PeaBert1", s + 1, ptp: false, owned: 1));
        }
        runs.Add(ReportRun.Of(0.75, "PeaBert2", 1, ptp: false, init: "teacher")); // one seed only

        string table = ReportTables.Comparisons(runs, "test");
        // SPS - PKD at k = 2: 2, 1, 1 -> mean 1.333, sd 0.57735, se 0.333333, t(2) 4.303 -> [-0.10, +2.77]
        Assert.Contains("| 2 | SPS | SPS-2 | PKD-2 | 3 | +1.33 | [-0.10, +2.77] (includes 0) | 3 / 0 / 0 |", table);
        // PTP at k = 2: -1, 1, 2 -> mean 0.667, sd 1.527525, se 0.881917 -> [-3.13, +4.46]
        Assert.Contains("| 2 | PTP | PeaBERT-2 | SPS-2 | 3 | +0.67 | [-3.13, +4.46] (includes 0) | 2 / 0 / 1 |", table);
        // k = 1: the plain student distilled with beta 0 is KD-1, and SPS-1 is compared with it: +2 every seed
        Assert.Contains("| 1 | SPS | SPS-1 | KD-1 | 3 | +2.00 | [+2.00, +2.00] | 3 / 0 / 0 |", table);
        Assert.DoesNotContain("PKD-1", table);
        // the init: one paired seed, 82 - 75
        Assert.Contains("| 2 | init | SPS-2 | SPS-2 [from teacher] | 1 | +7.00 | n/a (one seed) | 1 / 0 / 0 |", table);
        // SPS pooled over k = 1, 2: each seed's mean of (+2 at k = 1, and 2, 1, 1 at k = 2) = 2, 1.5, 1.5 -> mean 1.667,
        // deviations 1/3, -1/6, -1/6: variance (1/9 + 2/36) / 2 = 1/12, se sqrt(1/12 / 3) = 1/6, half width 4.303/6 = 0.717
        Assert.Contains("| 1, 2 | SPS | SPS-k | KD-1, PKD-2 | 3 | +1.67 | [+0.95, +2.38] | 3 / 0 / 0 |", table);
        Assert.DoesNotContain("| 1, 2 | PTP |", table); // PTP ran at k = 2 only: nothing to pool
    }

    [Fact]
    public void The_p_value_and_Holms_adjustment_match_hand_computations()
    {
        // d = 2, 1, 1: mean 4/3, se 1/3, t = 4 on 2 degrees; F(t) = 1/2 + t / (2 sqrt(2 + t^2)) = 0.971405 -> p = 0.057191
        PairedComparison result = PairedComparison.Of([(2, 0), (1, 0), (1, 0)]);
        Assert.Equal(2 * (0.5 - 4 / (2 * Math.Sqrt(18))), result.P, 9);
        Assert.Equal(0, PairedComparison.Of([(2, 1), (3, 2)]).P); // every pair +1: no spread, certain
        Assert.Equal(1, PairedComparison.Of([(2, 2), (3, 3)]).P);
        Assert.True(double.IsNaN(PairedComparison.Of([(2, 1)]).P));

        // p = .01, .04, .03: sorted .01 x 3 = .03; .03 x 2 = .06; .04 x 1 = .04, raised to .06 (step-down)
        Assert.Equal([0.03, 0.06, 0.06], Holm.Adjust([0.01, 0.04, 0.03]).Select(p => Math.Round(p, 12)));
        Assert.Equal([1.0, 1.0], Holm.Adjust([0.6, 0.7])); // capped at 1
        Assert.Throws<ArgumentException>(() => Holm.Adjust([0.5, double.NaN]));
    }

    [Fact]
    public void The_authors_measure_is_the_best_dev_score_over_the_last_stages_checks()
    {
        static MetricsEntry Check(string stage, long step, double accuracy) =>
            new(stage, step, double.NaN, "dev", new Dictionary<string, double> { ["score"] = accuracy, ["dev_accuracy"] = accuracy });
        // PTP's checks (its own task) do not count; KD's best is 0.81, at a check the run did not keep
        MetricsEntry[] first = [Check("ptp", 20, 0.95), Check("kd", 20, 0.78), Check("kd", 40, 0.81), Check("kd", 60, 0.80)];
        MetricsEntry[] second = [Check("kd", 20, 0.79), Check("kd", 40, 0.77)];
        List<RunInfo> runs = [ReportRun.Of(0.82, seed: 1, log: first), ReportRun.Of(0.84, seed: 2, log: second)];

        Assert.Equal(0.81, runs[0].BestDevOverChecks("accuracy"), 12);
        Assert.True(double.IsNaN(ReportRun.Of(0.8).BestDevOverChecks("accuracy"))); // no checks logged
        string table = ReportTables.Results(runs, "test");
        Assert.Contains("| test accuracy | best dev accuracy over checks |", table);
        // test 82, 84: 83.00 ± 1.41; best dev 81, 79: 80.00 ± 1.41
        Assert.Contains("| 2 | 83.00 ± 1.41 | 80.00 ± 1.41 | 10 |", table);
        Assert.DoesNotContain("over checks", ReportTables.Results(runs, "dev")); // on dev itself it would be the same column twice
    }

    [Fact]
    public void A_row_pairing_runs_of_different_builds_or_unrecorded_ones_is_named()
    {
        List<RunInfo> OneBuild(string? spsSeed3Code) => [.. Enumerable.Range(1, 3).SelectMany(s => new[]
        {
            ReportRun.Of(0.80, "Bert2", s, ptp: false, code: "aaaaaaaaaaaa"),
            ReportRun.Of(0.82, "PeaBert2", s, ptp: false, code: s == 3 ? spsSeed3Code : "aaaaaaaaaaaa"),
            ReportRun.Of(0.83, "PeaBert2", s, code: "aaaaaaaaaaaa"),
        })];

        Assert.DoesNotContain("**Builds.**", ReportTables.Comparisons(OneBuild("aaaaaaaaaaaa"), "test"));

        string mixed = ReportTables.Comparisons(OneBuild("bbbbbbbbbbbb"), "test");
        // SPS - PKD and PTP (PeaBERT - SPS) pair SPS-2's seed 3 (build b) with build a; SPS + PTP (PeaBERT - PKD) does not
        Assert.Contains("**Builds.** 2 of 3 rows rest on runs of different builds", mixed);
        Assert.Contains("k = 2 SPS: aaaaaaaaaaaa, bbbbbbbbbbbb", mixed);
        Assert.Contains("k = 2 PTP: aaaaaaaaaaaa, bbbbbbbbbbbb", mixed);
        Assert.DoesNotContain("SPS + PTP: ", mixed);

        string unrecorded = ReportTables.Comparisons(OneBuild(null), "test");
        Assert.Contains("k = 2 SPS: aaaaaaaaaaaa, unrecorded", unrecorded);

        List<RunInfo> old = [.. Enumerable.Range(1, 2).SelectMany(s => new[] { ReportRun.Of(0.80, "Bert2", s, ptp: false), ReportRun.Of(0.82, "PeaBert2", s, ptp: false) })];
        Assert.Contains("1 of 1 rows include runs whose summaries do not record their build", ReportTables.Comparisons(old, "test"));
    }

    [Fact]
    public void A_pooled_row_uses_only_the_seeds_that_ran_every_k()
    {
        // SPS - PKD: k = 2 over seeds 1, 2, 3 (+1, +3, +2); k = 3 over seeds 1, 2 (+3, -1). Pooled over seeds 1 and 2:
        // (1 + 3) / 2 = 2 and (3 - 1) / 2 = 1 -> mean 1.5, sd 0.707107, se 0.5, t(1) 12.706 -> [-4.85, +7.85]
        double[] pkd2 = [0.80, 0.80, 0.80], sps2 = [0.81, 0.83, 0.82], pkd3 = [0.80, 0.82], sps3 = [0.83, 0.81];
        List<RunInfo> runs = [];
        for (int s = 0; s < 3; s++)
        {
            runs.Add(ReportRun.Of(pkd2[s], "Bert2", s + 1, ptp: false));
            runs.Add(ReportRun.Of(sps2[s], "PeaBert2", s + 1, ptp: false));
        }
        for (int s = 0; s < 2; s++)
        {
            runs.Add(ReportRun.Of(pkd3[s], "Bert3", s + 1, ptp: false, owned: 3));
            runs.Add(ReportRun.Of(sps3[s], "PeaBert3", s + 1, ptp: false, owned: 3));
        }
        string table = ReportTables.Comparisons(runs, "test");
        Assert.Contains("| 2 | SPS | SPS-2 | PKD-2 | 3 | +2.00 |", table);
        Assert.Contains("| 2, 3 | SPS | SPS-k | PKD-k | 2 | +1.50 | [-4.85, +7.85] (includes 0) | 2 / 0 / 0 |", table);

        // k = 3 run at another learning rate: a different experiment, never pooled with k = 2
        const string otherRate = "{\"distillation\":{\"LearningRate\":0.0002}}";
        List<RunInfo> apart = [.. runs.Where(r => r.Run.OwnedLayers == 2),
            .. runs.Where(r => r.Run.OwnedLayers == 3).Select(r => ReportRun.Of(r.Metrics("test")["accuracy"], r.Run.Model, r.Run.Seed!.Value, ptp: false, owned: 3, setting: otherRate))];
        string separate = ReportTables.Comparisons(apart, "test");
        Assert.Contains("| 3 | SPS | SPS-3 | PKD-3 | 2 | +1.00 |", separate);
        Assert.DoesNotContain("| 2, 3 |", separate);
    }

    [Fact]
    public void A_seed_run_twice_under_one_method_counts_once_and_is_named()
    {
        // kd-1-s1 and pkd-1-s1: a 1-layer plain student has no layer to match, so both ran KD-1 with seed 1
        string table = ReportTables.Results([ReportRun.Of(0.70, "Bert1", 1, ptp: false, beta: 0, owned: 1), ReportRun.Of(0.70, "Bert1", 1, ptp: false, beta: 0, owned: 1)], "test");
        Assert.Contains("| KD-1 | Bert1 | 1,000 | 1 | pretrained | 1 | 70.00 ± 0.00 | 10 |", table);
        Assert.Contains("KD-1: seed 1 ran 2 times", table);
    }

    [Fact]
    public void Variants_that_share_a_name_but_not_their_settings_are_told_apart()
    {
        string table = ReportTables.Results([
            ReportRun.Of(0.80, seed: 1, setting: """{"ptp_training":{"Epochs":2,"LearningRate":2E-05}}"""),
            ReportRun.Of(0.82, seed: 1, setting: """{"ptp_training":{"Epochs":4,"LearningRate":2E-05}}"""),
        ], "test");
        Assert.Contains("| PeaBERT-2 (ptp_training.Epochs 2) | PeaBert2 |", table);
        Assert.Contains("| PeaBERT-2 (ptp_training.Epochs 4) | PeaBert2 |", table);
        Assert.DoesNotContain("ran 2 times", table); // another setting is not a repeat
    }

    [Fact]
    public void A_setting_with_the_most_seeds_keeps_the_plain_name_and_the_others_say_how_they_differ()
    {
        const string grid = """{"teacher":"/runs/teacher","ptp_training":{"Epochs":2}}""";
        List<RunInfo> runs = [];
        for (int s = 1; s <= 3; s++)
        {
            runs.Add(ReportRun.Of(0.80, seed: s, setting: grid));
        }
        runs.Add(ReportRun.Of(0.81, seed: 1, setting: """{"teacher":"/runs/teacher","ptp_training":{"Epochs":4}}"""));
        runs.Add(ReportRun.Of(0.82, seed: 1, setting: """{"teacher":"/runs/teacher-loss","ptp_training":{"Epochs":2}}"""));
        string table = ReportTables.Results(runs, "test");
        Assert.Contains("| PeaBERT-2 | PeaBert2 |", table);
        Assert.Contains("| PeaBERT-2 (ptp_training.Epochs 4) | PeaBert2 |", table); // only what differs from the grid
        Assert.Contains("| PeaBERT-2 (teacher teacher-loss) | PeaBert2 |", table);  // a path by its last part
    }

    [Fact]
    public void Settings_that_would_read_alike_keep_their_full_values()
    {
        string table = ReportTables.Results([
            ReportRun.Of(0.80, seed: 1, setting: """{"teacher":"/a/teacher","ptp_thresholds":"2"}"""),
            ReportRun.Of(0.81, seed: 1, setting: """{"teacher":"/b/teacher","ptp_thresholds":2}"""),
        ], "test");
        Assert.Contains("| PeaBERT-2 (ptp_thresholds \"2\", teacher /a/teacher) | PeaBert2 |", table);
        Assert.Contains("| PeaBERT-2 (ptp_thresholds 2, teacher /b/teacher) | PeaBert2 |", table);
    }

    [Fact]
    public void Folders_said_to_hold_the_same_files_pair_runs_and_no_others()
    {
        static System.Text.Json.Nodes.JsonObject Options(string teacher, string data) =>
            System.Text.Json.Nodes.JsonNode.Parse($$$"""{"student":"Bert1","teacher":"{{{teacher}}}","data":"{{{data}}}","distillation":{"LearningRate":2E-04,"Seed":1}}""")!.AsObject();
        var here = Options("/runs/protocol/teacher", "/grid/data/fine-foods");
        var elsewhere = Options("/runs/sweeps/protocol/teacher/", "/main/data/fine-foods");
        var otherTeacher = Options("/runs/ptp-study/teacher", "/main/data/fine-foods");
        var same = new Dictionary<string, string> { ["/runs/sweeps/protocol/teacher"] = "/runs/protocol/teacher", ["/main/data/fine-foods"] = "/grid/data/fine-foods" };

        Assert.NotEqual(RunSummary.SettingOf(here), RunSummary.SettingOf(elsewhere)); // paths differ: not paired unless told
        Assert.Equal(RunSummary.SettingOf(here), RunSummary.SettingOf(elsewhere, same)); // a trailing slash names the same folder
        Assert.NotEqual(RunSummary.SettingOf(here), RunSummary.SettingOf(otherTeacher, same)); // another teacher stays apart
    }

    [Fact]
    public void Peakd_report_refuses_a_same_folder_without_its_two_sides()
    {
        using var folder = TestFiles.TempFolder();
        var (exit, output) = PeakdProcess.Run(["report", "--runs", TestFiles.Repository("docs", "results", "protocol", "grid"), "--out", folder.File("r"), "--same-folder", "/only/one/side"]);
        Assert.Equal(1, exit);
        Assert.Contains("--same-folder '/only/one/side': write OLD=NEW", output);
    }

    [Fact]
    public void Runs_that_differ_only_in_bookkeeping_share_a_setting()
    {
        // a run from before keep_checkpoints and limit_sample existed (null when no limit), or on another device, computed
        // what a newer one computes; the seed and the KD weights are not the setting either, but the learning rate is
        var older = System.Text.Json.Nodes.JsonNode.Parse("""{"student":"Bert1","device":"cpu","alpha":0.7,"finetuning":{"LearningRate":2E-05,"Seed":1}}""")!.AsObject();
        var newer = System.Text.Json.Nodes.JsonNode.Parse("""{"student":"Bert1","device":"auto","keep_checkpoints":"best","resume":true,"alpha":0.5,"limit_sample":null,"finetuning":{"LearningRate":2E-05,"Seed":2}}""")!.AsObject();
        var other = System.Text.Json.Nodes.JsonNode.Parse("""{"student":"Bert1","finetuning":{"LearningRate":1E-04,"Seed":1}}""")!.AsObject();
        Assert.Equal(RunSummary.SettingOf(older), RunSummary.SettingOf(newer));
        Assert.NotEqual(RunSummary.SettingOf(older), RunSummary.SettingOf(other));
    }

    [Fact]
    public void A_PTP_study_beside_the_grid_leaves_the_grid_pooled_over_every_k()
    {
        const string grid = """{"ptp_training":{"Epochs":2}}""", longer = """{"ptp_training":{"Epochs":4}}""";
        List<RunInfo> runs = [];
        for (int s = 1; s <= 2; s++)
        {
            foreach (int k in new[] { 1, 2, 3 })
            {
                runs.Add(ReportRun.Of(0.80, "PeaBert" + k, s, ptp: false, owned: k, setting: grid));
                runs.Add(ReportRun.Of(0.80 + s / 100.0, "PeaBert" + k, s, owned: k, setting: grid)); // PTP +1, +2 at every k
            }
            runs.Add(ReportRun.Of(0.83, "PeaBert2", s, owned: 2, setting: longer)); // the study: PTP +3 at k = 2
        }
        var rows = Effects.Compare(runs, "test", out _).Where(r => r.What == "PTP").ToList();
        // the grid's PeaBERT-2 ties with the study's on seeds, so both carry a settings suffix, yet it still pools with k = 1 and 3
        var pooled = Assert.Single(rows, r => r.K == "1, 2, 3");
        Assert.Equal(1.5, pooled.Result.MeanDifference, 9);
        Assert.StartsWith("PeaBERT-k (ptp_training.Epochs 2)", pooled.A);
        Assert.Equal(3.0, Assert.Single(rows, r => r.K == "2" && r.A.Contains("Epochs 4", StringComparison.Ordinal)).Result.MeanDifference, 9);

        // with a third grid seed the grid is the main setting: its rows keep the plain name, the study's says how it differs
        foreach (int k in new[] { 1, 2, 3 })
        {
            runs.Add(ReportRun.Of(0.80, "PeaBert" + k, 3, ptp: false, owned: k, setting: grid));
            runs.Add(ReportRun.Of(0.83, "PeaBert" + k, 3, owned: k, setting: grid));
        }
        rows = Effects.Compare(runs, "test", out _).Where(r => r.What == "PTP").ToList();
        Assert.Equal("PeaBERT-k", Assert.Single(rows, r => r.K == "1, 2, 3").A);
        Assert.Single(rows, r => r.K == "2" && r.A == "PeaBERT-2 (ptp_training.Epochs 4)");
        Assert.Single(rows, r => r.K == "2" && r.A == "PeaBERT-2");
    }

    [Fact]
    public void Plain_students_get_the_distillation_and_patient_term_effects()
    {
        double[] ft = [0.70, 0.74, 0.72], kd = [0.76, 0.77, 0.75], pkd = [0.77, 0.77, 0.78];
        List<RunInfo> runs = [];
        for (int s = 0; s < 3; s++)
        {
            runs.Add(ReportRun.Of(ft[s], "Bert2", s + 1, ptp: false, alpha: 0, beta: 0));
            runs.Add(ReportRun.Of(kd[s], "Bert2", s + 1, ptp: false, beta: 0));
            runs.Add(ReportRun.Of(pkd[s], "Bert2", s + 1, ptp: false));
            runs.Add(ReportRun.Of(0.60, "Bert3", s + 1, ptp: false, alpha: 0, beta: 0)); // FT-3 alone: no KD-3 to pair with
        }
        string table = ReportTables.Comparisons(runs, "test");
        // KD - FT: +6, +3, +3 -> mean 4, sd sqrt((4 + 1 + 1) / 2) = 1.732, se 1, t(2) 4.303 -> [-0.30, +8.30]
        Assert.Contains("| 2 | KD | KD-2 | FT-2 | 3 | +4.00 | [-0.30, +8.30] (includes 0) | 3 / 0 / 0 |", table);
        // PKD - KD: +1, 0, +3 -> mean 1.333, sd 1.5275, se 0.8819 -> [-2.46, +5.13]
        Assert.Contains("| 2 | patient | PKD-2 | KD-2 | 3 | +1.33 | [-2.46, +5.13] (includes 0) | 2 / 1 / 0 |", table);
        Assert.DoesNotContain("\n| 3 | ", table); // no row at k = 3
    }

    [Fact]
    public void Runs_are_compared_only_with_runs_of_the_same_setting_and_every_PTP_setting_against_its_student()
    {
        const string slow = """{"distillation":{"LearningRate":0.0001},"ptp":false}""", fast = """{"distillation":{"LearningRate":0.0002},"ptp":false}""";
        const string fastPtp = """{"distillation":{"LearningRate":0.0002},"ptp":true,"ptp_training":{"Epochs":2}}""";
        const string fastLongPtp = """{"distillation":{"LearningRate":0.0002},"ptp":true,"ptp_training":{"Epochs":4}}""";
        List<RunInfo> runs = [];
        for (int s = 1; s <= 3; s++)
        {
            runs.Add(ReportRun.Of(0.80, "Bert2", s, ptp: false, setting: slow));
            runs.Add(ReportRun.Of(0.80 + s / 100.0, "PeaBert2", s, ptp: false, setting: slow)); // +1, +2, +3 over PKD-2 at 1e-4
            runs.Add(ReportRun.Of(0.70, "PeaBert2", s, ptp: false, setting: fast));              // no PKD-2 at 2e-4
            runs.Add(ReportRun.Of(0.71, "PeaBert2", s, setting: fastPtp));                       // +1 over SPS-2 at 2e-4
            runs.Add(ReportRun.Of(0.70 + s / 100.0, "PeaBert2", s, setting: fastLongPtp));      // +1, +2, +3 over it
        }
        var rows = Effects.Compare(runs, "test", out _);
        // SPS: only the rate PKD-2 ran at; SPS-2 at 2e-4 has no baseline (before, it was paired with PKD-2 at 1e-4: -10)
        var sps = Assert.Single(rows, r => r.What == "SPS");
        Assert.Equal(2.0, sps.Result.MeanDifference, 9);
        // PTP: each PTP setting against SPS-2 at its own rate, never against SPS-2 at 1e-4
        var ptp = rows.Where(r => r.What == "PTP").OrderBy(r => r.Result.MeanDifference).ToList();
        Assert.Equal(2, ptp.Count);
        Assert.Equal(1.0, ptp[0].Result.MeanDifference, 9);
        Assert.Equal(2.0, ptp[1].Result.MeanDifference, 9);
        Assert.NotEqual(ptp[0].A, ptp[1].A); // the two PTP variants are told apart by their setting
        Assert.DoesNotContain(rows, r => r.What == "SPS + PTP"); // PKD-2 never ran at 2e-4
    }

    [Fact]
    public void Report_pairs_runs_across_the_folders_it_is_given_and_counts_a_folder_given_twice_once()
    {
        // the grid's committed records: PKD-2 in one folder, SPS-2 in another (seeds 1-3)
        string grid = RepositoryFile(Path.Combine("docs", "results", "protocol", "grid"));
        using var folder = TestFiles.TempFolder();
        foreach (int seed in new[] { 1, 2, 3 })
        {
            CopyRun(Path.Combine(grid, $"pkd-2-s{seed}"), folder.File($"plain/pkd-2-s{seed}"));
            CopyRun(Path.Combine(grid, $"sps-2-s{seed}"), folder.File($"shared/sps-2-s{seed}"));
        }
        var (exit, _, error) = ConsoleCapture.Run(() => PeakdCli.Run(["report", "--runs", folder.File("plain"), folder.File("shared"), folder.File("shared"), "--out", folder.File("report")]));
        Assert.True(exit == 0, error);
        string report = File.ReadAllText(folder.File("report/results.md"));
        // test accuracy, SPS-2 77.7 81.2 80.9 against PKD-2 80.0 81.1 80.1: -2.3, +0.1, +0.8 -> mean -0.467, sd 1.6258,
        // se 0.9387, t(2) 4.303 -> [-4.51, +3.57]
        Assert.Contains("| 2 | SPS | SPS-2 | PKD-2 | 3 | -0.47 | [-4.51, +3.57] (includes 0) | 2 / 0 / 1 |", report);
        Assert.Contains("| SPS-2 | PeaBert2 | 15,615,360 | 4 | pretrained | 3 |", report); // three runs, not six
        Assert.DoesNotContain("counted once", report); // the folder given twice was read once, not deduplicated as repeated seeds

        static void CopyRun(string from, string to)
        {
            Directory.CreateDirectory(to);
            foreach (string file in Directory.GetFiles(from))
            {
                File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
            }
        }
    }

    private static string RepositoryFile(string relative) => Infrastructure.TestFiles.Repository(relative);

    [Fact]
    public void The_paired_differences_chart_is_drawn_when_runs_pair_up_and_removed_when_none_do()
    {
        using var folder = TestFiles.TempFolder();
        string chart = folder.File("paired-differences.png");
        List<RunInfo> paired = [];
        for (int s = 1; s <= 3; s++)
        {
            paired.Add(ReportRun.Of(0.80 + s / 100.0, "Bert2", s, ptp: false));
            paired.Add(ReportRun.Of(0.82, "PeaBert2", s, ptp: false));
        }
        IReadOnlyList<Comparison> rows = Effects.Compare(paired, "test", out string? metric);
        Assert.Equal("SPS", Assert.Single(rows).What); // SPS-2 - PKD-2, the one effect these runs measure
        Charts.Write(paired, folder.Path, "test", rows, $"test {metric}");
        byte[] png = File.ReadAllBytes(chart);
        Assert.True(png.Length > 5000, "paired-differences.png is too small to hold a chart");
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);

        List<RunInfo> unpaired = [ReportRun.Of(0.8, "Bert2", 1, ptp: false), ReportRun.Of(0.81, "Bert2", 2, ptp: false)];
        Assert.Empty(Effects.Compare(unpaired, "test", out _));
        Charts.Write(unpaired, folder.Path, "test", [], "test accuracy");
        Assert.False(File.Exists(chart), "a report over runs that pair up nowhere kept an older report's chart");
    }

    [Fact]
    public void The_PTP_table_says_whether_the_student_beat_the_label_frequencies_and_dev_entropy()
    {
        string table = ReportTables.Ptp([
            ReportRun.Of(0.8, seed: 1, ptpStage: ReportRun.Ptp(0.99, 0.9, [1700, 1700, 50, 50], 1.10, 1.16, 1.15)),
            ReportRun.Of(0.8, seed: 2, ptpStage: ReportRun.Ptp(0.97, 0.8, [1600, 1800, 60, 40], 1.20, 1.16, 1.15)),
        ]);
        // seed 1 beats the frequencies (1.10 < 1.16) and dev's entropy (1.10 < 1.15); seed 2 neither (1.20)
        Assert.Contains("| PeaBERT-2 | 2 | 0.980 | 0.850 | 1650 / 1750 / 55 / 45 | 1.1500 | 1.1000 to 1.2000 | 1.1600 | 1.1500 | 1 of 2 | 1 of 2 |", table);
        string between = ReportTables.Ptp([ // below the frequencies' loss, not below dev's entropy: a little learned
            ReportRun.Of(0.8, seed: 1, ptpStage: ReportRun.Ptp(0.99, 0.9, [1700, 1700, 50, 50], 1.155, 1.16, 1.15)),
        ]);
        Assert.Contains("| 1.1550 | 1.1550 to 1.1550 | 1.1600 | 1.1500 | 1 of 1 | 0 of 1 |", between);
        string older = ReportTables.Ptp([ // a summary from before the best dev loss was recorded
            ReportRun.Of(0.8, seed: 1, ptpStage: ReportRun.Ptp(0.99, 0.9, [1700, 1700, 50, 50], null, 1.16, 1.15)),
            ReportRun.Of(0.8, seed: 2, ptpStage: ReportRun.Ptp(0.99, 0.9, [1700, 1700, 50, 50], 1.10, 1.16, 1.15)),
        ]);
        Assert.Contains("| n/a | 1.1600 | 1.1500 | n/a | n/a |", older);
    }
}
