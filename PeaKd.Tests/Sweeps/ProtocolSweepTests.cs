using System.Globalization;
using System.Text.Json.Nodes;
using SamplesCatalog = PeaKd.Samples.Students.StudentCatalog;
using PeaKd.Sweeps;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Sweeps;

/// <summary>
/// The research grid as sweep files (docs/results/protocol/grid.json and ptp-study.json) plans the runs that
/// scripts/results.sh made (the script they replace: git show 934d178:scripts/results.sh): the expected runs are
/// written out below from that script's loops, and every committed run
/// record's options.json (written by the runs themselves) is the options of exactly one planned cell.
/// </summary>
public class ProtocolSweepTests
{
    /// <summary>all-MiniLM-L6-v2's config.json sizes (its Hugging Face config): the planner reads only the sizes.</summary>
    private const string MiniLmConfig = """
        { "model_type": "bert", "vocab_size": 30522, "hidden_size": 384, "num_hidden_layers": 6, "num_attention_heads": 12,
          "intermediate_size": 1536, "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
          "max_position_embeddings": 512, "type_vocab_size": 2, "layer_norm_eps": 1e-12, "initializer_range": 0.02, "pad_token_id": 0 }
        """;

    private static readonly string Protocol = TestFiles.Repository("docs", "results", "protocol");

    /// <summary>Plans the committed spec, copied unchanged to the same place in a temp tree whose runs/minilm holds
    /// MiniLM's config (the spec's teacher, ../../../runs/minilm, need not exist in a checkout).</summary>
    private static (SweepOptions Sweep, SweepPlan Plan) Plan(string spec)
    {
        using var temp = TestFiles.TempFolder();
        string copy = Path.Combine(temp.Path, "docs", "results", "protocol", spec);
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        File.Copy(Path.Combine(Protocol, spec), copy);
        Directory.CreateDirectory(Path.Combine(temp.Path, "runs", "minilm"));
        File.WriteAllText(Path.Combine(temp.Path, "runs", "minilm", "config.json"), MiniLmConfig);
        return (SweepSpec.Load(copy, SamplesCatalog.All), SweepSpec.Plan(copy, SamplesCatalog.All));
    }

    /// <summary>student, recipe, init, KD rate, seed and (PTP recipes) thresholds/epochs/rate of PTP; numbers in the
    /// settings' canonical text (round-trip, invariant: 2e-4 is "0.0002", 2e-5 is "2E-05").</summary>
    private static string Key(string student, string recipe, string init, string kdRate, int seed, string ptp = "") =>
        $"{student} {recipe} init={init} kd_lr={kdRate} seed={seed}{(ptp.Length > 0 ? " ptp=" + ptp : "")}";

    private static string Key(SweepCell c) => Key(c.Student.Name, c.Recipe.ToString().ToLowerInvariant(), c.Settings["init_from"],
        c.Settings["kd_learning_rate"], c.Seed, c.Options.Ptp ? $"{c.Settings["ptp_thresholds"]}/{c.Settings["ptp_epochs"]}/{c.Settings["ptp_learning_rate"]}" : "");

    /// <summary>results.sh's runs with the grid teacher (SEEDS 1-5, KS 1-3, TUNE_LRS 5e-5 1e-4 2e-4; its tuning
    /// chose 2e-4), phase by phase as the script loops. Its preset pkd with --no-ptp on a PeaBert student is SPS.</summary>
    private static List<string> ResultsShGrid()
    {
        const string lr = "0.0002", ptp = "median/2/2E-05";
        int[] seeds = [1, 2, 3, 4, 5], first3 = [1, 2, 3], ks = [1, 2, 3];
        var runs = new List<string>();
        foreach (string tuneLr in new[] { "5E-05", "0.0001", "0.0002" }) // tune
        {
            runs.Add(Key("Bert2", "pkd", "pretrained", tuneLr, 0));
            runs.Add(Key("PeaBert2", "sps", "pretrained", tuneLr, 0));
        }
        foreach (int seed in seeds) // main
        {
            foreach (int k in ks)
            {
                runs.Add(k == 1 ? Key("Bert1", "kd", "pretrained", lr, seed) : Key($"Bert{k}", "pkd", "pretrained", lr, seed));
                runs.Add(Key($"PeaBert{k}", "sps", "pretrained", lr, seed));
                runs.Add(Key($"PeaBert{k}", "peabert", "pretrained", lr, seed, ptp));
                if (k == 3)
                {
                    runs.Add(Key("SpsNoShuffle3", "sps", "pretrained", lr, seed));
                }
            }
        }
        foreach (int seed in seeds) // ablation: the first three seeds, then (after the PTP study) the rest
        {
            foreach (int k in ks)
            {
                runs.Add(Key($"PeaBert{k}", "sps", "teacher", lr, seed));
                runs.Add(Key($"PeaBert{k}", "peabert", "teacher", lr, seed, ptp));
            }
        }
        foreach (int seed in first3) // baselines
        {
            foreach (int k in ks)
            {
                runs.Add(Key($"Bert{k}", "ft", "pretrained", lr, seed));
                if (k != 1)
                {
                    runs.Add(Key($"Bert{k}", "kd", "pretrained", lr, seed));
                }
            }
        }
        foreach (int seed in first3) // the PTP study with the grid teacher
        {
            runs.Add(Key("PeaBert3", "peabert", "pretrained", lr, seed, "0.98,0.8/2/2E-05"));
            runs.Add(Key("PeaBert3", "peabert", "pretrained", lr, seed, "median/4/2E-05"));
            runs.Add(Key("PeaBert3", "peabert", "pretrained", lr, seed, "median/2/0.0002"));
        }
        return runs;
    }

    [Fact]
    public void The_grid_sweep_plans_the_runs_results_sh_made()
    {
        List<string> expected = ResultsShGrid();
        // 6 tune + 5 seeds x 10 main + 5 seeds x 6 ablation + 3 seeds x 5 baselines + 3 seeds x 3 study = 110
        Assert.Equal(110, expected.Count);
        (SweepOptions sweep, SweepPlan plan) = Plan("grid.json");
        Assert.Equal(expected.Order(StringComparer.Ordinal), plan.Cells.Select(Key).Order(StringComparer.Ordinal));
        Assert.Equal(110, plan.Cells.Select(c => c.Id).Distinct().Count());
        Assert.Equal([0, 1, 2, 3, 4, 5], sweep.SeedOrder()); // the tune group's seed first, as the script ran it first
        // every cell at the grid's fixed settings
        Assert.All(plan.Cells, c =>
        {
            Assert.Equal(96, c.Options.MaxLength);
            Assert.Equal((2, 32, 20), (c.Options.KdTraining.Epochs, c.Options.KdTraining.BatchSize, c.Options.KdTraining.EvalEvery));
            Assert.Equal("great", c.Options.Data.Task.PositiveLabel);
            Assert.Equal(Path.Combine(Path.GetFullPath(sweep.Folder), "teacher"), Path.GetFullPath(c.Options.Teacher));
        });
    }

    [Fact]
    public void The_ptp_study_sweep_plans_the_runs_with_the_teacher_selected_by_loss()
    {
        (SweepOptions sweep, SweepPlan plan) = Plan("ptp-study.json");
        // results.sh's ptp phase, TEACHER=teacher-loss: PeaBERT-3 and SPS-3 (pkd --no-ptp) at the first three seeds
        string[] expected = [.. new[] { 1, 2, 3 }.SelectMany(seed => new[]
        {
            Key("PeaBert3", "peabert", "pretrained", "0.0002", seed, "median/2/2E-05"),
            Key("PeaBert3", "sps", "pretrained", "0.0002", seed),
        })];
        Assert.Equal(expected.Order(StringComparer.Ordinal), plan.Cells.Select(Key).Order(StringComparer.Ordinal));
        Assert.Equal(PeaKd.Training.DevSelection.Loss, sweep.FineTuning.SelectBy);
    }

    /// <summary>Each committed run's options.json, as results.sh's runs wrote it, against the planned cells' options:
    /// the fields a run's options.json records that the spec sets (paths aside: they name the grid's machine).</summary>
    [Theory]
    [InlineData("grid.json", "grid", "tune", "ptp-study/thresholds-0.98-0.8", "ptp-study/ptp-4-epochs", "ptp-study/ptp-lr-kd")]
    [InlineData("ptp-study.json", "ptp-study/teacher-lowest-loss")]
    public void Every_committed_run_is_the_options_of_one_planned_cell(string spec, params string[] folders)
    {
        (SweepOptions sweep, SweepPlan plan) = Plan(spec);
        var planned = plan.Cells.ToLookup(c => Comparable(c.Options.ToJson()));
        string[] records = folders.SelectMany(f => Directory.GetDirectories(Path.Combine(Protocol, f))).Order(StringComparer.Ordinal).ToArray();
        Assert.NotEmpty(records);
        var matched = new HashSet<string>(StringComparer.Ordinal);
        foreach (string record in records)
        {
            string options = Comparable(JsonNode.Parse(File.ReadAllText(Path.Combine(record, "options.json")))!.AsObject());
            SweepCell cell = Assert.Single(planned[options]);
            Assert.True(matched.Add(cell.Id), $"{record}: a second record of cell {cell.Id}");
        }
        // every planned cell has its record (the ablation's seed 5 was the last, made by this very spec)
        string[] unmatched = plan.Cells.Where(c => !matched.Contains(c.Id)).Select(Key).Order(StringComparer.Ordinal).ToArray();
        Assert.Empty(unmatched);

        // and the teacher is fine-tuned as the committed teacher was
        JsonObject teacher = JsonNode.Parse(File.ReadAllText(Path.Combine(Protocol, spec == "grid.json" ? "teacher" : "teacher-loss", "options.json")))!.AsObject();
        Assert.Equal(Training(teacher["training"]!), Training(System.Text.Json.JsonSerializer.SerializeToNode(sweep.FineTuning)!));
        Assert.Equal(teacher["max_length"]!.GetValue<int>(), plan.Cells.Max(c => c.Options.MaxLength));
    }

    /// <summary>options.json's fields that a sweep's spec decides, as text: the student, its start, PTP and its
    /// thresholds, the KD loss, PTP's and KD's training, and the length.</summary>
    private static string Comparable(JsonObject options)
    {
        string[] fields = ["student", "init_from", "ptp", "ptp_thresholds", "alpha", "temperature", "beta", "max_length"];
        return string.Join(" ", fields.Select(f => $"{f}={options[f]!.ToJsonString()}"))
            + $" ptp_training={Training(options["ptp_training"]!)} distillation={Training(options["distillation"]!)}";
    }

    private static string Training(JsonNode training)
    {
        string[] fields = ["Epochs", "BatchSize", "LearningRate", "WeightDecay", "WarmupFraction", "MaxGradNorm", "Seed", "EvalEvery", "SelectBy"];
        return string.Join(",", fields.Select(f => double.Parse(training[f]!.ToJsonString(), CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture)));
    }
}
