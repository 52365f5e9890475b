using SamplesCatalog = PeaKd.Samples.Students.StudentCatalog;
using PeaKd.Sweeps;
using PeaKd.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PeaKd.Tests.Sweeps;

/// <summary>A tiny sweep run on this machine through peakd: the teacher fine-tuned once, cells in processes of
/// their own, state in the folder.</summary>
[Collection(TrainingCollection.Name)]
[Trait("Speed", "Slow")]
public class SweepRunTests(ITestOutputHelper log)
{
    /// <summary>The tiny task (TinyTask) with its random pretrained teacher fine-tuned by the sweep: 2 students x 2 seeds,
    /// at rates where they learn the task (a model left predicting one class sits on a tie that any rounding can flip).</summary>
    internal static string TinySweep(TempFolder folder, string seeds = "[1, 2]")
    {
        TinyTask.WriteData(folder.File("data"));
        TinyTask.WriteRandomTeacher(folder.File("pretrained"));
        string spec = folder.File("spec.json");
        File.WriteAllText(spec, $$"""
            {
              "folder": "sweep",
              "teacher": "pretrained",
              "finetune_teacher": true,
              "fine_tuning": { "epochs": 6, "batch_size": 16, "learning_rate": 1e-3, "seed": 7 },
              "data": { "task": "tsv", "folder": "data" },
              "students": ["Bert1", "PeaBert1"],
              "recipes": ["kd", "sps"],
              "axes": { "max_length": [16], "kd_epochs": [6], "kd_batch_size": [16], "kd_learning_rate": [1e-3] },
              "seeds": {{seeds}}
            }
            """);
        return spec;
    }

    [Fact]
    public void A_local_sweep_runs_every_cell_once_and_a_second_run_redoes_nothing()
    {
        using TempFolder folder = TestFiles.TempFolder();
        string spec = TinySweep(folder);
        var (exit, output) = PeakdProcess.Run(["sweep", "run", spec, "--parallel", "2"]);
        log.WriteLine(output);
        Assert.True(exit == 0, output);
        SweepOptions sweep = SweepSpec.Load(spec, SamplesCatalog.All);
        IReadOnlyList<SweepCellStatus> states = SweepStatus.Read(sweep);
        Assert.Equal(4, states.Count);
        Assert.All(states, s => Assert.Equal(SweepCellState.Done, s.State));
        Assert.All(states, s => Assert.Equal(1, s.Attempts));
        string[] results = states.Select(s => File.ReadAllText(folder.File($"sweep/results/{s.Cell.Id}.json"))).ToArray();

        (exit, output) = PeakdProcess.Run(["sweep", "run", spec]);
        Assert.True(exit == 0, output);
        Assert.All(SweepStatus.Read(sweep), s => Assert.Equal(1, s.Attempts)); // nothing started again
        Assert.Equal(results, states.Select(s => File.ReadAllText(folder.File($"sweep/results/{s.Cell.Id}.json"))));
        // what a repository keeps of it: every result, each run's records and each teacher record's descriptor, no weights
        string collected = folder.File("collected");
        var collect = new System.Diagnostics.ProcessStartInfo("bash", [TestFiles.Repository("scripts", "collect-results.sh"), folder.File("sweep"), collected])
            { RedirectStandardOutput = true, RedirectStandardError = true };
        using (var process = System.Diagnostics.Process.Start(collect)!)
        {
            string said = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, said);
        }
        Assert.Equal(results, states.Select(s => File.ReadAllText(Path.Combine(collected, "results", $"{s.Cell.Id}.json"))));
        Assert.All(states, s => Assert.True(File.Exists(Path.Combine(collected, "cells", s.Cell.Id, "summary.json")), s.Cell.Id));
        Assert.True(File.Exists(Path.Combine(collected, "teacher", "summary.json")));
        Assert.Equal(["record-dev.json", "record-test.json", "record-train.json"],
            Directory.GetFiles(Path.Combine(collected, "records", "L16")).Select(Path.GetFileName).Order());
        Assert.Empty(Directory.GetFiles(collected, "*.safetensors", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_local_sweep_killed_twice_and_run_again_finishes_without_redoing_finished_cells_with_the_same_records()
    {
        using TempFolder reference = TestFiles.TempFolder();
        string referenceSpec = TinySweep(reference);
        var (exit, output) = PeakdProcess.Run(["sweep", "run", referenceSpec, "--parallel", "2"]);
        Assert.True(exit == 0, output);

        using TempFolder folder = TestFiles.TempFolder();
        string spec = TinySweep(folder);
        // a SIGKILL of peakd and its cells, as a crash or a lost machine ends them: while the teacher fine-tunes, then
        // once the first cell is done (the others mid-training)
        KillWhen(spec, () => File.Exists(folder.File("sweep/teacher/options.json")));
        string[] finishedBefore = KillWhen(spec, () => Directory.Exists(folder.File("sweep/results")) && Directory.GetFiles(folder.File("sweep/results"), "*.json").Length > 0);
        Assert.NotEmpty(finishedBefore);
        (exit, output) = PeakdProcess.Run(["sweep", "run", spec, "--parallel", "2"]);
        log.WriteLine(output);
        Assert.True(exit == 0, output);

        SweepOptions sweep = SweepSpec.Load(spec, SamplesCatalog.All);
        IReadOnlyList<SweepCellStatus> states = SweepStatus.Read(sweep);
        Assert.All(states, s => Assert.Equal(SweepCellState.Done, s.State));
        foreach (string id in finishedBefore)
        {
            Assert.Equal(1, states.Single(s => s.Cell.Id == id).Attempts); // not run again
        }
        foreach (SweepCellStatus state in states)
        {
            SweepCellResult resumed = SweepCellResult.Read(folder.File($"sweep/results/{state.Cell.Id}.json"));
            SweepCellResult uninterrupted = SweepCellResult.Read(reference.File($"sweep/results/{state.Cell.Id}.json"));
            log.WriteLine($"{state.Cell}: attempts {state.Attempts}, dev {resumed.Metrics["dev"]} (uninterrupted {uninterrupted.Metrics["dev"]})");
            Assert.Equal(uninterrupted.Metrics["dev"], resumed.Metrics["dev"]);
            Assert.Equal(uninterrupted.Metrics["test"], resumed.Metrics["test"]);
            // the same student to the bit, not just the same scores (a task this easy scores 1.0 either way)
            Assert.Equal(Sha256(reference.File($"sweep/cells/{state.Cell.Id}/student/model.safetensors")), Sha256(folder.File($"sweep/cells/{state.Cell.Id}/student/model.safetensors")));
        }
    }

    /// <summary>Starts <c>peakd sweep run</c>, SIGKILLs it and its cells once <paramref name="condition"/> holds, and
    /// returns the ids of the cells done by then.</summary>
    private string[] KillWhen(string spec, Func<bool> condition)
    {
        using var process = PeakdProcess.Start(["sweep", "run", spec, "--parallel", "2"]);
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        DateTime until = DateTime.UtcNow.AddMinutes(3);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until && !process.HasExited, "the sweep ended, or took too long, before the moment to kill it");
            Thread.Sleep(50);
        }
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
        string results = Path.Combine(Path.GetDirectoryName(spec)!, "sweep", "results");
        string[] done = Directory.Exists(results) ? Directory.GetFiles(results, "*.json").Select(f => Path.GetFileNameWithoutExtension(f)).ToArray() : [];
        log.WriteLine($"killed; {done.Length} cells done");
        return done;
    }

    private static string Sha256(string file) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(file)));
}
