using PeaKd.Checkpoints;
using PeaKd.Distillation;
using PeaKd.Export;
using PeaKd.Folders;
using PeaKd.IO;
using PeaKd.Inference;
using PeaKd.Options;
using PeaKd.Reporting.Records;
using PeaKd.Runs;
using PeaKd.Tests.Infrastructure;
using PeaKd.Training;
using Xunit;
using Xunit.Abstractions;

namespace PeaKd.Tests.Folders;

/// <summary>
/// The writers of whole folders, tried as an adversary would: a fine-tuning run re-run without Resume or Overwrite, a
/// training run and an export after the same folder, and `peakd export` and `peakd import` killed (SIGKILL) at every
/// file they write: the target is always the old folder byte for byte or the new one complete, and it loads.
/// </summary>
[Collection(TrainingCollection.Name)]
[Trait(Speed.Trait, Speed.Slow)] // real processes, packing or a gigabyte read: not in the inner loop
public class FolderWritersTests(ITestOutputHelper log)
{
    private static readonly TrainingOptions Quick = new() { Epochs = 1, BatchSize = 32, LearningRate = 1e-3 };

    /// <summary>A folder with the tiny task's data (data/) and a teacher fine-tuned on it for one quick epoch (teacher/).</summary>
    private static TempFolder WithTeacher()
    {
        var folder = TestFiles.TempFolder();
        TinyTask.WriteData(folder.File("data"), train: 96, dev: 32);
        TinyTask.WriteRandomTeacher(folder.File("pretrained"));
        PeaKdPipeline.FineTune(TinyTask.FineTune(folder, Quick));
        return folder;
    }

    private static Dictionary<string, byte[]> Snapshot(string folder) =>
        Directory.GetFiles(folder, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(folder, f), File.ReadAllBytes);

    private static bool Same(Dictionary<string, byte[]> a, Dictionary<string, byte[]> b) =>
        a.Keys.Order().SequenceEqual(b.Keys.Order()) && a.All(p => p.Value.AsSpan().SequenceEqual(b[p.Key]));

    [Fact]
    public void A_finished_run_is_never_deleted_without_Resume_or_Overwrite_and_a_busy_folder_refuses_an_export()
    {
        using TempFolder folder = TestFiles.TempFolder();
        TinyTask.WriteData(folder.File("data"), train: 96, dev: 32);
        TinyTask.WriteRandomTeacher(folder.File("pretrained"));
        FineTuneOptions options = TinyTask.FineTune(folder, Quick);
        PeaKdPipeline.FineTune(options);
        Assert.Equal(FolderKind.FineTuned, SealedFolder.Verify(folder.File("teacher"))!.Kind); // the teacher is sealed
        var finished = Snapshot(folder.File("teacher"));

        var again = Assert.Throws<InvalidOptionException>(() => PeaKdPipeline.FineTune(options)); // a program run twice
        Assert.Contains("holds a finished run", again.Message);
        Assert.Contains("FineTuneOptions.Resume", again.Message);
        Assert.Contains("FineTuneOptions.Overwrite", again.Message);
        Assert.True(Same(finished, Snapshot(folder.File("teacher"))), "the refused run changed the finished one");
        Assert.Throws<InvalidOptionException>(() => PeaKdPipeline.FineTune(options with { Resume = true, Overwrite = true }));

        // the folder holds a run: no export may land in it, even asked to overwrite
        var export = Assert.Throws<ArgumentException>(() => ModelExport.ToOnnx(folder.File("teacher"), folder.File("teacher"), overwrite: true));
        Assert.Contains("teacher", export.Message);
        var run = new RunFolder(folder.File("elsewhere"));
        using (run.Lock(nameof(FineTuneOptions))) // a training run holds the folder: an export there is refused naming it
        {
            var busy = Assert.Throws<FolderInUseException>(() => ModelExport.ToOnnx(folder.File("teacher"), folder.File("elsewhere")));
            Assert.Contains("FineTuneOptions run", busy.Message);
        }
        using (FolderLock.Take(folder.File("teacher"), "export")) // and an export holding it stops a training run
        {
            Assert.Throws<FolderInUseException>(() => PeaKdPipeline.FineTune(options with { Overwrite = true }));
        }
        Assert.True(Same(finished, Snapshot(folder.File("teacher"))));

        // a folder that is not a run is never written into, not even asked to resume it
        Directory.CreateDirectory(folder.File("notes"));
        File.WriteAllText(folder.File("notes/mine.txt"), "mine");
        var notARun = Assert.Throws<InvalidOptionException>(() => PeaKdPipeline.FineTune(options with { OutputFolder = folder.File("notes"), Resume = true }));
        Assert.Contains("not a PeaKd run", notARun.Message);
        Assert.Equal(["mine.txt"], Directory.GetFileSystemEntries(folder.File("notes")).Select(Path.GetFileName));

        // "teacher/" is the same folder (a shell completes it so): replaced, its own lock never mistaken for another writer's
        FineTuneResult replaced = PeaKdPipeline.FineTune(options with { OutputFolder = folder.File("teacher") + "/", Overwrite = true, Training = Quick with { Seed = 7 } });
        Assert.NotNull(replaced.Metrics["dev"]);
        Assert.False(Same(finished, Snapshot(folder.File("teacher"))), "Overwrite ran the fine-tuning again");
        FolderManifest sealedRun = SealedFolder.Verify(folder.File("teacher"))!;
        Assert.Equal(["config.json", "metrics.jsonl", "model.safetensors", "options.json", "predictions-dev.tsv", "predictions-test.tsv", "summary.json", "tokenizer_config.json", "vocab.txt"],
            sealedRun.Files.Keys.Order(StringComparer.Ordinal)); // the model and the run's own files
        RunSummary.Read(folder.File("teacher"));
        foreach (string file in sealedRun.Files.Keys.Append(FolderManifest.FileName)) // one byte flipped in each file of the run
        {
            string copy = folder.File($"flipped-{file}");
            Directory.CreateDirectory(copy);
            foreach (string original in Directory.GetFiles(folder.File("teacher")))
            {
                File.Copy(original, Path.Combine(copy, Path.GetFileName(original)));
            }
            byte[] bytes = File.ReadAllBytes(Path.Combine(copy, file));
            bytes[bytes.Length / 2] ^= 0x04;
            File.WriteAllBytes(Path.Combine(copy, file), bytes);
            var flipped = Assert.Throws<CorruptFileException>(() => FolderVerification.Verify(copy));
            Assert.Equal(Path.Combine(copy, file), flipped.File);
        }
        File.AppendAllText(folder.File("teacher/predictions-dev.tsv"), "999\tgreat\tgreat\n"); // an edited record of the run
        var edited = Assert.Throws<CorruptFileException>(() => RunSummary.Read(folder.File("teacher")));
        Assert.Equal(folder.File("teacher/predictions-dev.tsv"), edited.File);
    }

    [Fact]
    public void Export_and_import_killed_at_every_file_leave_the_old_folder_or_the_new_one_whole()
    {
        using TempFolder folder = WithTeacher();
        string teacher = folder.File("teacher");
        var writers = new (string Name, string[] Arguments, string[] Files)[]
        {
            ("export onnx int8", ["export", "--model", teacher, "--out", folder.File("onnx"), "--format", "onnx", "--quantize", "int8", "--overwrite"],
                ["model.onnx", "config.json", "vocab.txt", "tokenizer_config.json", "peakd-manifest.json"]),
            ("export onnx fp32", ["export", "--model", teacher, "--out", folder.File("fp32"), "--format", "onnx", "--overwrite"],
                ["model.onnx", "config.json", "peakd-manifest.json"]),
            ("export hf", ["export", "--model", teacher, "--out", folder.File("hf"), "--overwrite"],
                ["model.safetensors", "config.json", "vocab.txt", "tokenizer_config.json", "peakd-manifest.json"]),
            ("import hf", ["import", "--hf", folder.File("pretrained"), "--out", folder.File("imported"), "--overwrite"],
                ["model.safetensors", "config.json", "vocab.txt", "peakd-manifest.json"]),
        };
        int kills = 0;
        foreach ((string name, string[] arguments, string[] files) in writers)
        {
            string target = arguments[Array.IndexOf(arguments, "--out") + 1];
            var (exit, output) = PeakdProcess.Run(arguments);
            Assert.True(exit == 0, $"{name}: {output}");
            var old = Snapshot(target);
            foreach (string file in files)
            {
                foreach (string moment in new[] { "mid", "after" })
                {
                    var (killed, killOutput) = PeakdProcess.RunKilledAt($"{file}:{moment}", arguments);
                    Assert.True(killed == PeakdProcess.Killed, $"{name} at {file}:{moment}: expected a SIGKILL, got {killed}:\n{killOutput}");
                    Assert.True(Same(old, Snapshot(target)), $"{name} killed at {file}:{moment} changed {target}");
                    using (TextClassifierOrCheck(target, name)) { }
                    kills++;
                }
            }
            Assert.NotEmpty(Directory.GetDirectories(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.staging-*")); // what the last kill left...
            var (rerun, rerunOutput) = PeakdProcess.Run(arguments);
            Assert.True(rerun == 0, rerunOutput);
            Assert.Empty(Directory.GetDirectories(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.staging-*")); // ...the next writer removed
            Assert.NotNull(SealedFolder.Verify(target)); // the new folder, sealed and whole
        }
        log.WriteLine($"{kills} kills, every target intact");
    }

    [Fact]
    public void A_fine_tuning_killed_at_its_files_never_leaves_a_manifest_vouching_for_other_files_and_resumes_to_the_same_result()
    {
        using TempFolder folder = TestFiles.TempFolder();
        TinyTask.WriteData(folder.File("data"), train: 96, dev: 32);
        TinyTask.WriteRandomTeacher(folder.File("pretrained"));
        string[] Arguments(string output, bool resume = false) =>
        [
            "finetune", "--task", "tsv", "--data", folder.File("data"), "--model", folder.File("pretrained"), "--out", output,
            "--epochs", "1", "--batch-size", "32", "--lr", "1e-3", "--max-length", "16", "--device", "cpu", "--seed", "3",
            .. resume ? new[] { "--resume" } : [],
        ];
        var (exit, output) = PeakdProcess.Run(Arguments(folder.File("straight")));
        Assert.True(exit == 0, output);

        string run = folder.File("killed");
        // the run's first files (its owner, its options), each file of the teacher half written, the teacher whole but
        // not yet sealed, and each file of the run's record
        string[] sites = ["run.lock.json:mid", "options.json:mid", "model.safetensors:mid", "config.json:mid", "vocab.txt:mid", "tokenizer_config.json:mid", "tokenizer_config.json:after",
            "peakd-manifest.json:mid", "predictions-dev.tsv:mid", "predictions-test.tsv:mid", "summary.json:mid", "peakd-manifest.json:mid:2"];
        for (int i = 0; i < sites.Length; i++)
        {
            var (killed, killOutput) = PeakdProcess.RunKilledAt(sites[i], Arguments(run, resume: i > 0));
            Assert.True(killed == PeakdProcess.Killed, $"{sites[i]}: expected a SIGKILL, got {killed}:\n{killOutput}");
            if (File.Exists(Path.Combine(run, FolderManifest.FileName)))
            {
                SealedFolder.Verify(run); // a manifest there vouches only for the files it names, as they are
            }
        }
        var (resumed, resumedOutput) = PeakdProcess.Run(Arguments(run, resume: true));
        Assert.True(resumed == 0, resumedOutput);
        Assert.Equal(FolderKind.FineTuned, SealedFolder.Verify(run)!.Kind);
        Assert.Equal(File.ReadAllBytes(folder.File("straight/model.safetensors")), File.ReadAllBytes(Path.Combine(run, "model.safetensors")));
        Assert.Equal(RunSummary.Read(folder.File("straight")).MetricsOf("dev").Accuracy, RunSummary.Read(run).MetricsOf("dev").Accuracy);
    }

    [Fact]
    public void Predictions_files_killed_half_written_leave_the_earlier_file_whole()
    {
        using TempFolder folder = WithTeacher();
        string earlier = "an earlier file the user keeps\n";
        foreach ((string file, string[] arguments) in new[]
                 {
                     ("evaluated.tsv", new[] { "evaluate", "--task", "tsv", "--data", folder.File("data"), "--model", folder.File("teacher"), "--device", "cpu", "--predictions", folder.File("evaluated.tsv") }),
                     ("predicted.tsv", new[] { "predict", "--model", folder.File("teacher"), "--device", "cpu", "--output", folder.File("predicted.tsv"), "tok10 tok20", "tok3" }),
                 })
        {
            File.WriteAllText(folder.File(file), earlier);
            var (killed, output) = PeakdProcess.RunKilledAt($"{file}:mid", arguments);
            Assert.True(killed == PeakdProcess.Killed, $"{file}: expected a SIGKILL, got {killed}:\n{output}");
            Assert.Equal(earlier, File.ReadAllText(folder.File(file)));
            var (exit, rerun) = PeakdProcess.Run(arguments);
            Assert.True(exit == 0, rerun);
            Assert.NotEqual(earlier, File.ReadAllText(folder.File(file)));
        }
    }

    [Fact]
    public void Two_exports_started_together_into_one_folder_one_wins_the_other_is_refused()
    {
        using TempFolder folder = WithTeacher();
        string[] Export(string format) => ["export", "--model", folder.File("teacher"), "--out", folder.File("race"), "--format", format];
        using System.Diagnostics.Process first = PeakdProcess.Start(Export("onnx")), second = PeakdProcess.Start(Export("hf"));
        var exits = new[] { first, second }.Select(p =>
        {
            Task<string> error = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            Assert.True(p.WaitForExit(TimeSpan.FromMinutes(2)), "an export hung");
            return (p.ExitCode, Error: error.Result);
        }).ToArray();
        Assert.Equal(1, exits.Count(e => e.ExitCode == 0));
        string refused = exits.Single(e => e.ExitCode != 0).Error;
        Assert.True(refused.Contains("is being written by another PeaKd process (process ", StringComparison.Ordinal) // the lock, naming the holder
            || refused.Contains("which holds a", StringComparison.Ordinal), refused); // or, when the first had finished, the folder it wrote
        FolderManifest winner = SealedFolder.Verify(folder.File("race"))!; // whole: one export's files, not a mix
        Assert.Contains(winner.Kind, new[] { FolderKind.OnnxExport, FolderKind.HuggingFaceExport });
        Assert.Empty(Directory.GetDirectories(folder.Path, ".race.staging-*"));
    }

    [Fact]
    public void An_export_or_an_import_into_a_running_fine_tunings_folder_is_refused_naming_it()
    {
        using TempFolder folder = WithTeacher();
        string run = folder.File("running");
        string[] longFineTune = ["finetune", "--task", "tsv", "--data", folder.File("data"), "--model", folder.File("pretrained"), "--out", run,
            "--epochs", "3000", "--batch-size", "16", "--lr", "1e-3", "--max-length", "16", "--device", "cpu", "--seed", "3"];
        using System.Diagnostics.Process training = PeakdProcess.Start(longFineTune); // runs for hours unless stopped
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (!File.Exists(Path.Combine(run, "options.json")))
            {
                Assert.False(training.HasExited, "the fine-tuning ended before it wrote its options");
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), "the fine-tuning did not start");
                Thread.Sleep(50);
            }
            foreach (string[] writer in new[]
                     {
                         new[] { "export", "--model", folder.File("teacher"), "--out", run, "--format", "onnx", "--overwrite" },
                         new[] { "import", "--hf", folder.File("pretrained"), "--out", run, "--overwrite" },
                     })
            {
                var (exit, output) = PeakdProcess.Run(writer);
                Assert.Equal(1, exit);
                Assert.Contains($"{run} is being written by another PeaKd process (process {training.Id} on ", output);
                Assert.Contains("writer: FineTuneOptions run", output);
            }
            Assert.False(File.Exists(Path.Combine(run, "model.onnx")));
            Assert.False(training.HasExited);
        }
        finally
        {
            if (!training.HasExited)
            {
                training.Kill(); // SIGKILL: the kernel drops its locks
                training.WaitForExit();
            }
        }
    }

    /// <summary>The folder loads: a classifier for exports, the strict checks a run makes for an imported backbone.</summary>
    private static IDisposable? TextClassifierOrCheck(string folder, string writer)
    {
        if (writer.StartsWith("import", StringComparison.Ordinal))
        {
            HfCheckpoint.CheckLoadable(folder);
            return null;
        }
        return TextClassifier.Load(folder);
    }
}
