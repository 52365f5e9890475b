using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using PeaKd.Data;
using PeaKd.Data.Tasks;
using PeaKd.Distillation;
using PeaKd.IO;
using PeaKd.Inference;
using PeaKd.Tests.Infrastructure;
using PeaKd.Training;
using Xunit;
using Xunit.Abstractions;

namespace PeaKd.Tests.Reliability;

/// <summary>The second adversarial round: two writers, signals, absurd model sizes, non-finite options, one-class and
/// sorted training sets, a resume's log, pruned checkpoints, and the messages the first round found unclear.</summary>
[Collection(TrainingCollection.Name)]
[Trait(Speed.Trait, Speed.Slow)] // real processes, packing or a gigabyte read: not in the inner loop
public class SecondRoundTests(ITestOutputHelper log)
{
    private static TempFolder Setup()
    {
        var folder = TestFiles.TempFolder();
        TinyTask.WriteData(folder.File("data"));
        TinyTask.WriteRandomTeacher(folder.File("pretrained"));
        return folder;
    }

    /// <summary>A fine-tuning long enough to be caught running (3000 epochs of 30 steps; it is stopped long before).</summary>
    private static string[] LongFineTune(TempFolder folder, bool resume = false) =>
    [
        "finetune", "--task", "tsv", "--data", folder.File("data"), "--model", folder.File("pretrained"), "--out", folder.File("teacher"),
        "--epochs", "3000", "--batch-size", "16", "--lr", "1e-3", "--max-length", "16", "--device", "cpu", "--seed", "3",
        .. resume ? new[] { "--resume" } : [],
    ];

    private static void WaitFor(string path, Process process)
    {
        var clock = Stopwatch.StartNew();
        while (!File.Exists(path))
        {
            if (process.HasExited)
            {
                Assert.Fail($"the run ended before {path} appeared: {process.StandardError.ReadToEnd()}");
            }
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), $"{path} did not appear");
            Thread.Sleep(50);
        }
    }

    private static void Signal(Process process, string signal) => Process.Start("kill", [$"-{signal}", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();

    private static (int Exit, string Error) Finish(Process process)
    {
        Task<string> error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "the stopped run did not exit");
        return (process.ExitCode, error.Result);
    }

    [Fact]
    public void A_second_writer_is_refused_a_killed_one_holds_no_lock_and_signals_stop_after_a_step()
    {
        using TempFolder folder = Setup();
        using Process first = PeakdProcess.Start(LongFineTune(folder));
        try
        {
            WaitFor(folder.File("teacher/options.json"), first);
            var (exit, output) = PeakdProcess.Run(LongFineTune(folder, resume: true));
            log.WriteLine(output);
            Assert.Equal(1, exit);
            Assert.Contains($"peakd finetune: {folder.File("teacher")} is in use by another run (process {first.Id} on ", output);
            Assert.Contains("give another --out", output);
        }
        finally
        {
            KillIfRunning(first); // SIGKILL: the kernel drops its lock
        }

        File.Delete(folder.File("teacher/stages/finetune/checkpoint.json")); // it reappears when the resumed run trains (checkpoint-N.json still resume)
        // started with SIGINT at its default: a test run that is itself a background job of a shell without job control
        // ignores SIGINT, and a child inherits that (no program then sees Ctrl+C), which is not what a user's terminal does
        using Process resumed = PeakdProcess.Start(LongFineTune(folder, resume: true), defaultSignals: true);
        try
        {
            WaitFor(folder.File("teacher/stages/finetune/checkpoint.json"), resumed); // training again: the folder was free
            Signal(resumed, "INT");
            (int interrupted, string said) = Finish(resumed);
            log.WriteLine(said);
            Assert.Equal(130, interrupted);
            Assert.Matches(@"peakd finetune: stopped at step [0-9]+ of finetune by SIGINT \(a resume continues from step [0-9]+\); every file is complete\. Rerun the same command with --resume to continue\.", said);
            Assert.DoesNotContain("   at ", said); // no stack trace
        }
        finally
        {
            KillIfRunning(resumed); // a failed check must not leave a 3000-epoch run behind
        }

        File.Delete(folder.File("teacher/stages/finetune/checkpoint.json"));
        using Process again = PeakdProcess.Start(LongFineTune(folder, resume: true));
        try
        {
            WaitFor(folder.File("teacher/stages/finetune/checkpoint.json"), again);
            Signal(again, "TERM");
            (int terminated, string told) = Finish(again);
            Assert.Equal(143, terminated);
            Assert.Contains("by SIGTERM", told);
            Assert.False(File.Exists(folder.File("teacher/run.lock.json")), "a stopped run leaves no owner behind");
        }
        finally
        {
            KillIfRunning(again);
        }
    }

    private static void KillIfRunning(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill();
            process.WaitForExit();
        }
    }

    [Fact]
    public void A_resumed_run_logs_exactly_the_lines_of_an_uninterrupted_one()
    {
        using TempFolder folder = Setup();
        var training = new TrainingOptions { Epochs = 2, BatchSize = 16, LearningRate = 1e-3, LogEvery = 4, CheckpointEvery = 10, EvalEvery = 6, Seed = 5 };
        PipelineOptions options = TinyTask.Pipeline(folder, training) with { PtpTraining = training with { Epochs = 1 } };
        PeaKdPipeline.Run(options with { OutputFolder = folder.File("straight") });
        foreach ((string stage, long step) in new[] { ("finetune", 17L), ("ptp", 9L), ("kd", 23L) })
        {
            var stop = new StopAfter(stage, step);
            var stopped = Assert.Throws<TrainingStoppedException>(() => PeaKdPipeline.Run(options with { OutputFolder = folder.File("stopped"), Resume = true }, stop, stop.Token));
            Assert.Equal((stage, step), (stopped.Stage, stopped.Step));
            Assert.InRange(stopped.ResumesFrom, 1, step); // its last checkpoint: at most the step it stopped after
        }
        PeaKdPipeline.Run(options with { OutputFolder = folder.File("stopped"), Resume = true });
        byte[] straight = File.ReadAllBytes(folder.File("straight/metrics.jsonl"));
        Assert.Equal(Encoding.UTF8.GetString(straight), File.ReadAllText(folder.File("stopped/metrics.jsonl")));
        log.WriteLine($"metrics.jsonl: {straight.Length:N0} bytes, {straight.Count(b => b == '\n')} lines, equal after three stops");
    }

    [Fact]
    public void A_finished_stage_keeps_its_best_weights_only_unless_asked_and_a_pruning_cut_short_completes()
    {
        using TempFolder folder = Setup();
        var training = new TrainingOptions { Epochs = 2, BatchSize = 16, LearningRate = 1e-3, CheckpointEvery = 10, Seed = 5 };
        PipelineOptions options = TinyTask.Pipeline(folder, training) with { PtpTraining = training with { Epochs = 1 } };
        DistillationResult pruned = PeaKdPipeline.Run(options with { OutputFolder = folder.File("pruned") });
        DistillationResult kept = PeaKdPipeline.Run(options with { OutputFolder = folder.File("kept"), KeepCheckpoints = CheckpointRetention.All });

        static long Size(string path) => Directory.GetFiles(path, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        long prunedSize = Size(folder.File("pruned")), keptSize = Size(folder.File("kept"));
        log.WriteLine($"run folder: {prunedSize:N0} bytes pruned, {keptSize:N0} with every checkpoint");
        foreach (string stage in new[] { "finetune", "ptp", "kd" })
        {
            string[] files = Directory.GetFiles(folder.File($"pruned/stages/{stage}")).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(["best.safetensors", "done.json"], files);
            Assert.Contains(Directory.GetFiles(folder.File($"kept/stages/{stage}")), f => Path.GetFileName(f).StartsWith("checkpoint-", StringComparison.Ordinal));
        }
        Assert.True(prunedSize * 2 < keptSize, $"pruned {prunedSize} vs kept {keptSize}");
        Assert.Equal(kept.Test!.Accuracy, pruned.Test!.Accuracy); // pruning changes nothing computed

        // a kill part-way through pruning: the state file gone, a tensor file left; resuming completes the run as it was
        File.Delete(folder.File("kept/stages/kd/checkpoint.json"));
        File.Delete(folder.File("kept/summary.json"));
        DistillationResult resumed = PeaKdPipeline.Run(options with { OutputFolder = folder.File("kept"), Resume = true });
        Assert.Equal(kept.Test!.Accuracy, resumed.Test!.Accuracy);
        Assert.Equal(["best.safetensors", "done.json"], Directory.GetFiles(folder.File("kept/stages/kd")).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToArray());
    }

    [Theory]
    [InlineData("num_hidden_layers", 100_000L, "num_hidden_layers is 100,000; PeaKd builds at most 1,000", null)]
    [InlineData("num_hidden_layers", 1_000_000_000L, "num_hidden_layers is 1,000,000,000; PeaKd builds at most 1,000", null)]
    [InlineData("vocab_size", 2_147_483_647L, "GB in fp32, more than the", "vocab_size is 2147483647, but model.safetensors holds 50")]
    [InlineData("max_position_embeddings", 2_147_483_647L, "GB in fp32, more than the", "max_position_embeddings is 2147483647, but model.safetensors holds")]
    [InlineData("type_vocab_size", 2_147_483_647L, "GB in fp32, more than the", "type_vocab_size is 2147483647, but model.safetensors holds 2")]
    [InlineData("hidden_size", 1_073_741_824L, "GB in fp32, more than the", "hidden_size is 1073741824, but model.safetensors holds 32")]
    [InlineData("vocab_size", 1_000_000_000_000L, "'vocab_size' is 1000000000000, too large (at most 2,147,483,647", null)]
    public void Absurd_sizes_are_refused_in_one_line_without_allocating(string field, long value, string withoutWeights, string? withWeights)
    {
        using TempFolder folder = Setup();
        JsonObject config = JsonFile.ReadObject(folder.File("pretrained/config.json"));
        config[field] = value;
        if (field == "hidden_size")
        {
            config["num_attention_heads"] = 16;
        }
        File.WriteAllText(folder.File("pretrained/config.json"), config.ToJsonString());
        File.WriteAllText(folder.File("config.json"), config.ToJsonString());

        foreach (string[] command in new[]
                 {
                     new[] { "info", "--config", folder.File("config.json"), "--device", "cpu" },
                     ["import", "--hf", folder.File("pretrained"), "--out", folder.File("imported")],
                     ["finetune", "--task", "tsv", "--data", folder.File("data"), "--model", folder.File("pretrained"), "--out", folder.File("run"), "--max-length", "16", "--device", "cpu"],
                 })
        {
            (int exit, string output, string error, long peakKilobytes) = PeakMemory.Run(command);
            log.WriteLine($"{command[0]} with {field} {value}: exit {exit}, peak {peakKilobytes / 1024} MB: {error.Trim()}");
            Assert.Equal(1, exit);
            // the file and the field are named, and why: too many layers, too large for an int, more than memory (no weights
            // to compare with), or not what the weights file's header says
            Assert.Contains("config.json", error);
            Assert.Contains(command[0] == "info" ? withoutWeights : withWeights ?? withoutWeights, error);
            Assert.Single(error.Trim().Split('\n')); // one line, no stack trace
            Assert.Equal("", output.Trim()); // nothing else either
            Assert.True(peakKilobytes < 1_500_000, $"peak memory {peakKilobytes / 1024} MB: something large was allocated");
            Assert.False(Directory.Exists(folder.File("imported")) || Directory.Exists(folder.File("run")), "a refused command wrote nothing");
        }
    }

    [Fact]
    public void A_config_describing_far_more_than_its_weights_names_the_field()
    {
        using TempFolder folder = Setup();
        JsonObject config = JsonFile.ReadObject(folder.File("pretrained/config.json"));
        config["num_hidden_layers"] = 200; // fits in memory, but the file holds 2 layers
        File.WriteAllText(folder.File("pretrained/config.json"), config.ToJsonString());
        var error = Assert.Throws<PeaKd.Modeling.InvalidConfigException>(() => PeaKd.Checkpoints.HfCheckpoint.Load(folder.File("pretrained")));
        Assert.Equal("num_hidden_layers", error.Field);
        Assert.Contains($"num_hidden_layers is 200, but model.safetensors holds {TinyTask.TeacherConfig.NumHiddenLayers} layers", error.Message);
    }

    [Theory]
    [InlineData("--lr", "Infinity", "--lr must be a positive finite number, got Infinity.")]
    [InlineData("--lr", "1e309", "--lr must be a positive finite number, got Infinity.")]
    [InlineData("--alpha", "NaN", "--alpha must be in [0, 1], got NaN.")]
    [InlineData("--beta", "Infinity", "--beta must be a finite number of at least 0, got Infinity.")]
    [InlineData("--temperature", "-Infinity", "--temperature must be a positive finite number, got -Infinity.")]
    public void Non_finite_option_values_are_refused_before_anything_is_written(string flag, string value, string expected)
    {
        using TempFolder folder = Setup();
        var (exit, output) = PeakdProcess.Run(["distill", "--task", "tsv", "--data", folder.File("data"), "--teacher", folder.File("pretrained"),
            "--student", "PeaBert1", "--out", folder.File("run"), flag, value]);
        Assert.Equal(1, exit);
        Assert.Contains(expected, output);
        Assert.False(Directory.Exists(folder.File("run")));
    }

    [Fact]
    public void A_training_set_with_one_class_is_refused_naming_the_class()
    {
        using TempFolder folder = Setup();
        string train = folder.File("data/train.tsv");
        File.WriteAllLines(train, File.ReadAllLines(train).Select((line, i) => i == 0 ? line : line[..line.LastIndexOf('\t')] + "\tgreat"));
        var error = Assert.Throws<DataFormatException>(() => PeaKdPipeline.Run(TinyTask.Pipeline(folder, new TrainingOptions())));
        Assert.Equal(train, error.File);
        Assert.Contains("every training example is labelled 'great'; a classifier needs at least two classes", error.Message);
        Assert.False(Directory.Exists(folder.File("run")));
    }

    [Fact]
    public void A_limited_training_set_is_a_seeded_stratified_sample_even_from_a_file_sorted_by_label()
    {
        using TempFolder folder = Setup();
        string train = folder.File("data/train.tsv");
        string[] lines = File.ReadAllLines(train);
        string[] sorted = [lines[0], .. lines.Skip(1).OrderBy(l => l.EndsWith("\tother", StringComparison.Ordinal))];
        File.WriteAllLines(train, sorted);
        int great = sorted.Count(l => l.EndsWith("\tgreat", StringComparison.Ordinal));

        DataSource data = DataSource.Files(TaskRegistry.Tsv(), folder.File("data"));
        var first = data.Read(limitTrain: 40)[0];
        var second = data.Read(limitTrain: 40)[0];
        Assert.Equal(40, first.Examples.Count);
        Assert.Equal(first.Examples.Select(e => e.Line), second.Examples.Select(e => e.Line)); // seeded: the same sample every time
        Assert.Equal(first.Examples.Select(e => e.Line).Order(), first.Examples.Select(e => e.Line)); // in file order
        int greatKept = first.Examples.Count(e => first.Labels[e.Label!.Value] == "great");
        Assert.Equal((int)Math.Round(40.0 * great / 480), greatKept, tolerance: 1); // each class in its share
        Assert.Contains("stratified40", first.ContentHash);

        // the first 40 rows of that file are one class; the pipeline would have trained a majority-class teacher
        Assert.Single(sorted.Skip(1).Take(40).Select(l => l[(l.LastIndexOf('\t') + 1)..]).Distinct());
    }

    [Fact]
    public void Messages_name_the_file_line_or_field()
    {
        using TempFolder folder = Setup();
        // invalid UTF-8 on line 3, by line, after a line with valid multi-byte characters
        string dev = folder.File("data/dev.tsv");
        string[] devLines = File.ReadAllLines(dev);
        devLines[1] = "café crème\t" + devLines[1].Split('\t')[1];
        File.WriteAllLines(dev, devLines);
        byte[] bytes = File.ReadAllBytes(dev);
        int third = Enumerable.Range(0, bytes.Length).Where(i => bytes[i] == '\n').Skip(1).First() + 1;
        bytes[third + 2] = 0xFF;
        File.WriteAllBytes(dev, bytes);
        var utf8 = Assert.Throws<DataFormatException>(() => PeaKdPipeline.Run(TinyTask.Pipeline(folder, new TrainingOptions())));
        Assert.Equal(3, utf8.Line);
        Assert.Contains("not valid UTF-8 (byte 3 of the line)", utf8.Message);

        // a folder where dev.tsv should be
        File.Delete(dev);
        Directory.CreateDirectory(dev);
        var folderError = Assert.Throws<DataFormatException>(() => PeaKdPipeline.Run(TinyTask.Pipeline(folder, new TrainingOptions())));
        Assert.Contains("is a folder, not a file", folderError.Message);

        // an empty vocab.txt: refused at import, naming it
        File.WriteAllText(folder.File("pretrained/vocab.txt"), "");
        var (exit, output) = PeakdProcess.Run(["import", "--hf", folder.File("pretrained"), "--out", folder.File("imported")]);
        Assert.Equal(1, exit);
        Assert.Contains($"{folder.File("pretrained/vocab.txt")}: the vocabulary is empty", output);
        Assert.False(Directory.Exists(folder.File("imported")));
    }

    [Fact]
    public void Evaluate_scores_dev_alone_and_takes_the_labels_in_any_order()
    {
        using TempFolder folder = Setup();
        var training = new TrainingOptions { Epochs = 3, BatchSize = 16, LearningRate = 1e-3, Seed = 5 };
        FineTuneResult tuned = PeaKdPipeline.FineTune(TinyTask.FineTune(folder, training));
        // only dev.tsv, its rows reordered so the label the model lists second appears first
        using var teacher = PeaKd.Inference.TextClassifier.Load(folder.File("teacher"));
        Directory.CreateDirectory(folder.File("dev-only"));
        string[] rows = File.ReadAllLines(folder.File("data/dev.tsv"));
        File.WriteAllLines(folder.File("dev-only/dev.tsv"), [rows[0], .. rows.Skip(1).OrderBy(r => r.EndsWith("\t" + teacher.Labels[1], StringComparison.Ordinal) ? 0 : 1)]);
        Assert.EndsWith("\t" + teacher.Labels[1], File.ReadAllLines(folder.File("dev-only/dev.tsv"))[1]);
        var report = teacher.Evaluate(DataSource.Files(TaskRegistry.Tsv(), folder.File("dev-only")), "dev");
        Assert.Equal(tuned.Dev.Accuracy!.Value, report.Metrics!.Accuracy!.Value, 12);
    }
}

/// <summary>peakd run under python3, which writes the child's peak resident memory (ru_maxrss, kilobytes) to a file.</summary>
internal static class PeakMemory
{
    public static (int Exit, string Output, string Error, long PeakKilobytes) Run(string[] arguments)
    {
        const string Script = "import resource,subprocess,sys; r=subprocess.run(sys.argv[2:]); " +
            "open(sys.argv[1],'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); sys.exit(r.returncode)";
        string peakFile = Path.GetTempFileName();
        try
        {
            var start = new ProcessStartInfo("python3", ["-c", Script, peakFile, "dotnet", PeakdProcess.Dll, .. arguments])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using Process process = Process.Start(start)!;
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            Task<string> error = process.StandardError.ReadToEndAsync();
            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), $"peakd {string.Join(' ', arguments)} did not answer within 2 minutes");
            return (process.ExitCode, output.Result, error.Result, long.Parse(File.ReadAllText(peakFile).Trim(), System.Globalization.CultureInfo.InvariantCulture));
        }
        finally
        {
            File.Delete(peakFile);
        }
    }
}
