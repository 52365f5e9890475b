using PeaKd.Options;
using PeaKd.Reporting.Analysis;
using PeaKd.Samples.Cli;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Cli;

/// <summary>The peakd commands end to end on tiny fixtures, in process, with console output captured.</summary>
[Collection(TrainingCollection.Name)]
public class CliTests
{
    private static (int Exit, string Out, string Error) Peakd(params string[] args) => ConsoleCapture.Run(() => PeakdCli.Run(args));

    private static string[] Quick => ["--batch-size", "16", "--lr", "1e-3", "--max-length", "16", "--device", "cpu", "--seed", "3"];

    [Fact]
    public void Students_lists_the_catalog_with_sizes()
    {
        var (exit, output, _) = Peakd("students");
        Assert.Equal(0, exit);
        Assert.Contains("PeaBert3           3     6   45,691,392  0 1 2 0' 1' 2'", output);
        Assert.Equal(12, output.Split('\n').Count(line => line.Contains("  0")));
    }

    [Fact]
    public void Finetune_distill_evaluate_and_export_round_trip()
    {
        using var folder = TestFiles.TempFolder();
        TinyTask.WriteData(folder.File("data"));
        TinyTask.WriteRandomTeacher(folder.File("pretrained"));

        var tuned = Peakd(["finetune", "--task", "tsv", "--data", folder.File("data"), "--model", folder.File("pretrained"), "--out", folder.File("teacher"), .. Quick, "--epochs", "6"]);
        Assert.True(tuned.Exit == 0, tuned.Error);
        Assert.Contains("teacher written to", tuned.Out);
        Assert.True(File.Exists(folder.File("teacher/model.safetensors")));
        // a resume with other options names them as flags
        var refused = Peakd(["finetune", "--task", "tsv", "--data", folder.File("data"), "--model", folder.File("pretrained"), "--out", folder.File("teacher"),
            "--epochs", "6", "--batch-size", "16", "--lr", "2e-3", "--max-length", "12", "--device", "cpu", "--seed", "3", "--resume"]); // Quick but --lr and --max-length
        Assert.Equal(1, refused.Exit);
        Assert.Contains("peakd finetune: --resume needs the options of the interrupted run, but", refused.Error);
        Assert.Contains("differs in --lr (saved 0.001, asked 0.002); --max-length (saved 16, asked 12). Use the same options, or another --out.", refused.Error);

        var distilled = Peakd(["distill", "--task", "tsv", "--data", folder.File("data"), "--teacher", folder.File("teacher"), "--student", "PeaBert1",
            "--out", folder.File("run"), "--preset", "kd", "--ptp-epochs", "1", .. Quick, "--epochs", "6"]);
        Assert.True(distilled.Exit == 0, distilled.Error);
        Assert.True(File.Exists(folder.File("run/student/student.json")));

        var evaluated = Peakd("evaluate", "--task", "tsv", "--data", folder.File("data"), "--model", folder.File("run/student"), "--split", "test", "--max-length", "16", "--device", "cpu");
        Assert.True(evaluated.Exit == 0, evaluated.Error);
        Assert.StartsWith("test: accuracy ", evaluated.Out);
        Assert.Contains("precision: fp32 (asked for)", evaluated.Error);

        var exported = Peakd("export", "--model", folder.File("run/student"), "--out", folder.File("export"));
        Assert.True(exported.Exit == 0, exported.Error);
        Assert.Contains("2 layers", exported.Out); // PeaBert1 unrolled: its layer and the Q/K-swapped copy
        Assert.False(File.Exists(folder.File("export/student.json")));

        var reevaluated = Peakd("evaluate", "--task", "tsv", "--data", folder.File("data"), "--model", folder.File("export"), "--split", "test", "--max-length", "16", "--device", "cpu");
        Assert.True(reevaluated.Exit == 0, reevaluated.Error);
        Assert.Equal(evaluated.Out, reevaluated.Out); // the plain export computes what the student computes

        var report = Peakd("report", "--runs", folder.Path, "--out", folder.File("report"));
        Assert.True(report.Exit == 0, report.Error);
        foreach (string chart in new[] { "loss.png", "dev-metric.png", "metric-vs-parameters.png" })
        {
            byte[] png = File.ReadAllBytes(folder.File("report/" + chart));
            Assert.True(png.Length > 5000, $"{chart} is too small to hold a chart");
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        }
        string table = File.ReadAllText(folder.File("report/results.md"));
        Assert.Contains("| teacher | teacher |", table);
        Assert.Contains("| PeaBERT-1 (KD) | PeaBert1 |", table);
    }

    [Fact]
    public void The_results_table_averages_seeds_with_the_sample_standard_deviation()
    {
        string table = ReportTables.Results(
            [ReportRun.Of(0.80, seed: 1, seconds: 12), ReportRun.Of(0.84, seed: 2, seconds: 900), ReportRun.Of(0.86, seed: 3, seconds: 10),
             ReportRun.Of(0.70, student: "Bert2", seed: 1, ptp: false, beta: 0)], "test");
        // mean 0.8333; sample sd sqrt(((-.0333)^2 + (.0067)^2 + (.0267)^2) / 2) = 0.0306; train time: the fastest of
        // 12, 900 and 10 s (a run slowed by other work, or paused, moves a mean, 307, but not the minimum)
        Assert.Contains("| PeaBERT-2 | PeaBert2 | 1,000 | 4 | pretrained | 3 | 83.33 ± 3.06 | 10 |", table);
        Assert.Contains("| KD-2 | Bert2 | 1,000 | 2 | pretrained | 1 | 70.00 ± 0.00 | 10 |", table);
    }

    [Theory]
    [InlineData(new[] { "distill", "--task", "tsv", "--data", "d", "--teacher", "t", "--student", "PeaBert9", "--out", "o" }, "--student 'PeaBert9' is not known; use one of Albert12, Albert6, Bert1")]
    [InlineData(new[] { "distill", "--task", "imdb", "--data", "d", "--teacher", "t", "--student", "Bert1", "--out", "o" }, "Unknown task 'imdb'; use one of CoLA")]
    [InlineData(new[] { "finetune", "--task", "sst2", "--data", "d", "--model", "m", "--out", "o", "--epochs", "0" }, "peakd finetune: --epochs must be at least 1, got 0.")]
    [InlineData(new[] { "distill", "--task", "tsv", "--data", "d", "--teacher", "t", "--student", "Bert1", "--out", "o", "--alpha", "1.5" }, "peakd distill: --alpha must be in [0, 1], got 1.5.")]
    [InlineData(new[] { "distill", "--task", "tsv", "--data", "d", "--teacher", "t", "--student", "Bert1", "--out", "o", "--ptp-epochs", "0" }, "peakd distill: --ptp-epochs must be at least 1, got 0.")]
    [InlineData(new[] { "distill", "--task", "tsv", "--data", "d", "--teacher", "t", "--student", "Bert1", "--out", "o", "--lr", "-1" }, "peakd distill: --lr must be a positive finite number, got -1.")]
    [InlineData(new[] { "distill", "--task", "tsv", "--data", "d", "--teacher", "t", "--student", "Bert1", "--out", "o", "--init-layers", "0,1" }, "peakd distill: --init-layers lists 2 layers, but student Bert1 owns 1")]
    [InlineData(new[] { "distill", "--task", "tsv", "--data", "d", "--teacher", "nowhere", "--student", "Bert1", "--out", "o" }, "peakd distill: --teacher is 'nowhere', which is not a folder")]
    [InlineData(new[] { "distill", "--task", "tsv", "--data", "d", "--teacher", "t", "--student", "Bert1", "--out", "o", "--preset", "tiny" }, "--preset 'tiny' is not known; use one of ft, kd, pkd.")]
    [InlineData(new[] { "distill", "--task", "tsv", "--data", "d", "--teacher", "t", "--student", "Bert1", "--out", "o", "--ptp-thresholds", "2,3" }, "--ptp-thresholds '2,3' is not valid")]
    [InlineData(new[] { "evaluate", "--task", "tsv", "--data", "d", "--model", "m", "--device", "tpu" }, "--device 'tpu' is not known; use one of auto, cpu, cuda.")]
    [InlineData(new[] { "evaluate", "--task", "tsv", "--data", "d", "--model", "m", "--split", "train" }, "--split 'train' is not known")]
    [InlineData(new[] { "distill", "--task", "tsv", "--data", "d", "--teacher", "t", "--student", "Bert1", "--out", "o", "--init-layers", "0,x" }, "--init-layers '0,x' is not a comma-separated list")]
    [InlineData(new[] { "distill", "--task", "tsv", "--data", "d", "--teacher", "t", "--student", "Bert1", "--out", "o", "--record-dtype", "fp16" }, "--record-dtype 'fp16' is not known; use one of fp32, bf16.")]
    [InlineData(new[] { "finetune", "--task", "sst2", "--data", "d", "--model", "m", "--out", "m/" }, "peakd finetune: --out is 'm/', the folder --model names, or one inside or around it (symbolic links resolved); the run would write its files over the model it reads. Give a folder of its own.")]
    [InlineData(new[] { "distill", "--task", "tsv", "--data", "d", "--teacher", "t", "--student", "Bert1", "--out", "t" }, "peakd distill: --out is 't', the folder --teacher names")]
    [InlineData(new[] { "distill", "--task", "tsv", "--data", "d", "--teacher", "t", "--student", "Bert1", "--out", "o", "--records", " " }, "peakd distill: --records is empty")]
    [InlineData(new[] { "import", "--out", "o" }, "Give exactly one of --onnx PATH, --hf DIR or --minilm.")]
    [InlineData(new[] { "export", "--model", "m", "--out", "o", "--format", "tflite" }, "peakd export: --format 'tflite' is not known; use one of hf, onnx.")]
    [InlineData(new[] { "export", "--model", "m", "--out", "o", "--format", "onnx", "--quantize", "int4" }, "peakd export: --quantize 'int4' is not known; use one of none, int8.")]
    [InlineData(new[] { "export", "--model", "m", "--out", "o", "--quantize", "int8" }, "peakd export: --quantize applies to --format onnx")]
    [InlineData(new[] { "export", "--model", "nowhere", "--out", "o", "--format", "onnx" }, "peakd export: nowhere: folder not found")]
    [InlineData(new[] { "predict", "--model", "nowhere", "a text" }, "peakd predict: nowhere: folder not found")]
    public void Bad_options_are_rejected_with_a_clear_message(string[] args, string message)
    {
        var (exit, _, error) = Peakd(args);
        Assert.NotEqual(0, exit);
        Assert.Contains(message, error);
    }

    [Fact]
    public void Distill_names_a_refused_resume_by_its_flags_whole_and_once()
    {
        using var folder = TestFiles.TempFolder();
        var run = new PeaKd.Runs.RunFolder(folder.File("run"));
        System.Text.Json.Nodes.JsonObject Options(int seed, bool ptp, int weightDecay) => new()
        {
            ["ptp"] = ptp,
            ["ptp_training"] = new System.Text.Json.Nodes.JsonObject { ["Seed"] = seed, ["WeightDecay"] = weightDecay },
            ["distillation"] = new System.Text.Json.Nodes.JsonObject { ["Seed"] = seed, ["WeightDecay"] = 0 },
        };
        run.SaveOptions(Options(3, ptp: true, weightDecay: 0), resume: false, "PipelineOptions");
        var error = Assert.Throws<InvalidOptionException>(() => run.SaveOptions(Options(4, ptp: false, weightDecay: 1), resume: true,
            "PipelineOptions", PeaKd.Distillation.PipelineOptions.JsonProperties));
        // the CLI sets one seed for both stages: said once; a PTP setting with no flag keeps its API name whole (never
        // "--no-ptpTraining"); the PTP switch is named by its flag
        Assert.Equal($"--resume needs the options of the interrupted run, but {folder.File("run/options.json")} differs in PTP (on unless --no-ptp) (saved true, asked false); "
            + "--seed (saved 3, asked 4); PipelineOptions.PtpTraining.WeightDecay (saved 0, asked 1). Use the same options, or another --out.",
            DistillCommand.Flags.Rewrite(error.Message));
    }

    [Fact]
    public void The_main_job_says_what_to_do_with_a_run_made_under_other_settings()
    {
        using var folder = TestFiles.TempFolder();
        var run = new PeaKd.Runs.RunFolder(folder.File("kd-bert2"));
        run.SaveOptions(new System.Text.Json.Nodes.JsonObject { ["init_from"] = "teacher" }, resume: false, "PipelineOptions");
        var error = Assert.Throws<InvalidOptionException>(() => run.SaveOptions(new System.Text.Json.Nodes.JsonObject { ["init_from"] = "pretrained" }, resume: true,
            "PipelineOptions", PeaKd.Distillation.PipelineOptions.JsonProperties));
        string said = PeaKd.Samples.MainJob.Advice.Rewrite(error.Message);
        Assert.Contains("differs in PipelineOptions.InitFrom (saved \"teacher\", asked \"pretrained\"). The main job's settings changed since that run; delete runs/main and run the main job again.", said);
        Assert.DoesNotContain("OutputFolder", said); // nothing the main job's user can set
    }

    [Fact]
    public void Missing_files_are_named_in_one_line()
    {
        using var folder = TestFiles.TempFolder();
        TinyTask.WriteRandomTeacher(folder.File("pretrained"));
        var (exit, _, error) = Peakd("finetune", "--task", "SST-2", "--data", folder.File("nowhere"), "--model", folder.File("pretrained"), "--out", folder.File("out"), "--max-length", "16");
        Assert.Equal(1, exit);
        Assert.StartsWith($"peakd finetune: {folder.File("nowhere")}/train.tsv: file not found", error);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(Directory.Exists(folder.File("out")), "a refused run writes nothing");

        // the options come first: the tiny teacher has 24 positions, fewer than the default --max-length
        (exit, _, error) = Peakd("finetune", "--task", "SST-2", "--data", folder.File("nowhere"), "--model", folder.File("pretrained"), "--out", folder.File("out"));
        Assert.Equal(1, exit);
        Assert.StartsWith($"peakd finetune: --max-length is 128, more than the model's max_position_embeddings 24 ({folder.File("pretrained/config.json")})", error);
    }
}
