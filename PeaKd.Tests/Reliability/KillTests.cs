using System.Diagnostics;
using System.Text.Json.Nodes;
using PeaKd.Checkpoints;
using PeaKd.Folders;
using PeaKd.IO;
using PeaKd.Modeling;
using PeaKd.Tests.Infrastructure;
using PeaKd.Training;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PeaKd.Tests.Reliability;

/// <summary>
/// Real kills: the peakd CLI runs `distill` on a tiny task in a child process and is killed with SIGKILL, either
/// at a chosen write (PEAKD_TEST_KILL_AT: half of a file written, or right after) or from outside while it writes
/// checkpoints. After every kill, each file the run folder names is complete (no partial file was ever put in
/// place); `--resume` then finishes with the metrics, the log, the best steps, the student's weights (bit for bit) and the
/// predictions of an uninterrupted run.
/// </summary>
[Collection(TrainingCollection.Name)] // the teacher is made with libtorch's global generator; the children need the cores
[Trait(Speed.Trait, Speed.Slow)] // real processes, packing or a gigabyte read: not in the inner loop
public class KillTests(KillTests.Straight straight, ITestOutputHelper log) : IClassFixture<KillTests.Straight>
{
    /// <summary>The tiny task, a random teacher with a two-class head, and one uninterrupted run to compare with.</summary>
    public sealed class Straight : IDisposable
    {
        public Straight()
        {
            TinyTask.WriteData(Folder.File("data"), train: 160, dev: 48);
            manual_seed(5);
            using var teacher = new BertClassifier(TinyTask.TeacherConfig with { Labels = ["great", "other"] });
            HfCheckpoint.Save(teacher, Folder.File("teacher"), TestFiles.Fixture("tiny-bert", "vocab.txt"));
            var (exit, output) = PeakdProcess.Run(Arguments(Folder.File("straight")));
            Assert.True(exit == 0, output);
            Summary = JsonFile.ReadObject(Folder.File("straight/summary.json"));
            Log = Steps(Folder.File("straight"));
        }

        internal TempFolder Folder { get; } = TestFiles.TempFolder();
        public JsonObject Summary { get; }
        public IReadOnlyList<string> Log { get; }

        public string[] Arguments(string run, bool resume = false) =>
        [
            "distill", "--task", "tsv", "--data", Folder.File("data"), "--teacher", Folder.File("teacher"), "--student", "PeaBert1",
            "--out", run, "--ptp-epochs", "1", "--epochs", "2", "--batch-size", "16", "--lr", "1e-3", "--max-length", "16", "--device", "cpu", "--seed", "3",
            "--init-from", "teacher", // the teacher is random: it records no pretrained model
            .. resume ? new[] { "--resume" } : [],
        ];

        public void Dispose() => Folder.Dispose();
    }

    /// <summary>metrics.jsonl as (stage, step, split) lines: what a resumed run must have logged, no more, no less.</summary>
    private static IReadOnlyList<string> Steps(string run) =>
        MetricsLog.Read(Path.Combine(run, "metrics.jsonl")).Select(e => $"{e["stage"]} {e["step"]} {e["split"]}").ToList();

    /// <summary>A run killed at one write site after another: every stage's files (teacher record, checkpoint tensors
    /// and descriptions, metrics line, best weights, done.json, the student, summary.json), half written or just written.</summary>
    [Fact]
    public void A_run_killed_at_every_write_site_in_turn_resumes_to_the_uninterrupted_result()
    {
        string run = straight.Folder.File("chain");
        string[] sites =
        [
            "record-train.safetensors:mid", "record-dev.json:mid", "metrics.jsonl:mid", "checkpoint-*.safetensors:mid",
            "checkpoint-*.json:mid", "done.json:mid", "best.safetensors:mid", "checkpoint-*.json:after:2", "model.safetensors:mid", "summary.json:mid",
        ];
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < sites.Length; i++)
        {
            var (exit, output) = PeakdProcess.RunKilledAt(sites[i], straight.Arguments(run, resume: i > 0));
            Assert.True(exit == PeakdProcess.Killed, $"{sites[i]}: expected a SIGKILL (137), got {exit}:\n{output}");
            Assert.Contains($"killing the process at {sites[i].Split(':')[1]} of", output);
            if (sites[i].EndsWith(":mid", StringComparison.Ordinal) && !sites[i].StartsWith("metrics", StringComparison.Ordinal))
            {
                Assert.NotEmpty(Directory.GetFiles(run, "*.tmp", SearchOption.AllDirectories)); // the half-written file is there...
            }
            AssertNamedFilesComplete(run); // ...and nothing half written has a name a reader opens
        }
        log.WriteLine($"{sites.Length} kills in {clock.Elapsed.TotalSeconds:F0} s");

        var (finalExit, finalOutput) = PeakdProcess.Run(straight.Arguments(run, resume: true));
        Assert.True(finalExit == 0, finalOutput);
        AssertSameAsStraight(run);
        Assert.Empty(Directory.GetFiles(run, "*.tmp", SearchOption.AllDirectories)); // what the kills left was removed, never read
    }

    /// <summary>A kill from outside, at whatever moment the run is writing a checkpoint of the KD stage.</summary>
    [Fact]
    public void A_run_killed_from_outside_while_writing_checkpoints_resumes_to_the_uninterrupted_result()
    {
        string run = straight.Folder.File("outside");
        string kd = Path.Combine(run, "stages", "kd");
        using (Process process = PeakdProcess.Start(straight.Arguments(run)))
        {
            var deadline = Stopwatch.StartNew();
            while (!process.HasExited && deadline.Elapsed < TimeSpan.FromMinutes(3)
                && !(Directory.Exists(kd) && Directory.EnumerateFiles(kd).Any(f => Path.GetFileName(f).StartsWith(".checkpoint-", StringComparison.Ordinal) || f.EndsWith(".safetensors", StringComparison.Ordinal))))
            {
                Thread.Sleep(5);
            }
            Assert.False(process.HasExited, "the run finished before a KD checkpoint was seen");
            process.Kill(); // SIGKILL
            process.WaitForExit();
            log.WriteLine($"killed with kd/ holding: {string.Join(", ", Directory.GetFiles(kd).Select(Path.GetFileName))}");
        }
        AssertNamedFilesComplete(run);

        var (exit, output) = PeakdProcess.Run(straight.Arguments(run, resume: true));
        Assert.True(exit == 0, output);
        AssertSameAsStraight(run);
    }

    private void AssertSameAsStraight(string run)
    {
        JsonObject summary = JsonFile.ReadObject(Path.Combine(run, "summary.json"));
        Assert.Equal(straight.Summary["metrics"]!.ToJsonString(), summary["metrics"]!.ToJsonString()); // bitwise: same floats
        foreach (string stage in new[] { "ptp", "kd" })
        {
            Assert.Equal(straight.Summary["stages"]![stage]!["best_step"]!.ToJsonString(), summary["stages"]![stage]!["best_step"]!.ToJsonString());
            Assert.Equal(straight.Summary["stages"]![stage]!["best_dev"]!.ToJsonString(), summary["stages"]![stage]!["best_dev"]!.ToJsonString());
        }
        Assert.Equal(straight.Log, Steps(run)); // no line lost, none twice, none torn

        // the student itself, not only its metrics: every tensor bit for bit, and the same predictions written
        string straightRun = straight.Folder.File("straight");
        using var scope = NewDisposeScope();
        Dictionary<string, Tensor> expected = WeightsFile.Read(Path.Combine(straightRun, "student", ModelFiles.Safetensors));
        Dictionary<string, Tensor> actual = WeightsFile.Read(Path.Combine(run, "student", ModelFiles.Safetensors));
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach ((string name, Tensor tensor) in expected)
        {
            Assert.Equal(tensor.shape, actual[name].shape);
            Assert.True(tensor.dtype == actual[name].dtype && tensor.bytes.SequenceEqual(actual[name].bytes), $"student tensor {name} differs from the uninterrupted run's");
        }
        string[] predictions = Directory.GetFiles(straightRun, "predictions-*.tsv").Select(f => Path.GetFileName(f)).ToArray();
        Assert.NotEmpty(predictions);
        foreach (string file in predictions)
        {
            Assert.Equal(File.ReadAllText(Path.Combine(straightRun, file)), File.ReadAllText(Path.Combine(run, file)));
        }
    }

    /// <summary>Every file under a name a reader opens is whole: JSON parses, checkpoint descriptions match their tensors,
    /// tensor files validate. Partial content may only sit in temporary files.</summary>
    private static void AssertNamedFilesComplete(string run)
    {
        foreach (string file in Directory.GetFiles(run, "*", SearchOption.AllDirectories).Where(f => !Path.GetFileName(f).StartsWith('.')))
        {
            string name = Path.GetFileName(file);
            if (name.EndsWith(".json", StringComparison.Ordinal))
            {
                JsonFile.ReadObject(file);
            }
            if (name.StartsWith("checkpoint-", StringComparison.Ordinal) && name.EndsWith(".json", StringComparison.Ordinal))
            {
                TrainingCheckpoint.Verify(file, Path.GetDirectoryName(file)!);
            }
            if (name.EndsWith(".safetensors", StringComparison.Ordinal))
            {
                SafetensorsHeader.Validate(file);
            }
        }
        // metrics.jsonl may end in a torn line (appends are not atomic); reading skips it and resuming drops it
        MetricsLog.Read(Path.Combine(run, "metrics.jsonl"));
    }
}
