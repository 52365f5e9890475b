using System.Diagnostics;
using PeaKd.Sweeps;
using PeaKd.Slurm;
using PeaKd.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;
using SamplesCatalog = PeaKd.Samples.Students.StudentCatalog;

namespace PeaKd.Tests.Sweeps.Slurm;

/// <summary>
/// The tiny sweep (the fixture task, its teacher fine-tuned by the sweep, 2 students x 2 seeds) submitted to the local
/// Slurm cluster with <c>peakd sweep submit --slurm</c>: its metrics equal the same sweep run with <c>peakd sweep run</c>
/// (runs are deterministic at one thread a cell), and a cell cancelled mid-training with scancel is completed by
/// <c>submit --retry-failed</c> with the same metrics.
/// </summary>
[Collection(TrainingCollection.Name)]
[Trait("Speed", "Slow")]
public class SweepSlurmTests(ITestOutputHelper log)
{
    private const string Seeds = "[1, 2]";

    /// <summary>The tiny sweep with KD long enough (60 epochs of 30 steps) to be caught mid-training.</summary>
    private static string Spec(TempFolder folder)
    {
        string spec = SweepRunTests.TinySweep(folder, Seeds);
        string text = File.ReadAllText(spec);
        Assert.Contains("\"kd_epochs\": [6]", text);
        File.WriteAllText(spec, text.Replace("\"kd_epochs\": [6]", "\"kd_epochs\": [60]", StringComparison.Ordinal));
        return spec;
    }

    [SlurmFact]
    public void A_sweep_submitted_to_slurm_matches_the_local_run_and_a_cancelled_cell_completes_on_retry()
    {
        LocalSlurm.Cluster();
        using TempFolder local = TestFiles.TempFolder();
        string localSpec = Spec(local);
        // 1 thread a cell on 2 cores, as below; the shared steps too, as Slurm's prepare job has its 1 core: runs are the
        // same to the bit only at the same thread count (a reduction over other threads rounds otherwise)
        var (exit, output) = DotnetCli.Run(AppContext.BaseDirectory, TimeSpan.FromMinutes(5), new Dictionary<string, string> { ["OMP_NUM_THREADS"] = "1" },
            [PeakdProcess.Dll, "sweep", "run", localSpec, "--parallel", "2"]);
        Assert.True(exit == 0, output);

        using TempFolder folder = TestFiles.TempFolder();
        string spec = Spec(folder);
        (exit, output) = PeakdProcess.Run(["sweep", "submit", spec, "--slurm", "--cpus-per-task", "1", "--time", "10"]);
        log.WriteLine(output);
        Assert.True(exit == 0, output);
        Assert.StartsWith("submission 1: 4 cells; shared steps job ", output);
        SweepOptions sweep = SweepSpec.Load(spec, SamplesCatalog.All);

        // once a cell is training, cancel its task as a user would: Slurm sends it SIGTERM, it stops after a step
        SweepSlurmCellStatus training = WaitFor(sweep, () => SweepSlurm.Status(sweep).FirstOrDefault(s => Training(folder, s.Status.Cell.Id)), TimeSpan.FromMinutes(4));
        Run("scancel", training.Task!);
        WaitFor(sweep, () => SweepSlurm.Status(sweep).All(s => s.Queued is null) ? "" : null, TimeSpan.FromMinutes(4));
        SweepCellStatus cancelled = SweepStatus.Read(sweep).Single(s => s.Cell.Id == training.Status.Cell.Id);
        Assert.Equal(SweepCellState.Stopped, cancelled.State);

        (exit, output) = PeakdProcess.Run(["sweep", "submit", spec, "--slurm", "--cpus-per-task", "1", "--time", "10", "--retry-failed"]);
        log.WriteLine(output);
        Assert.True(exit == 0, output);
        Assert.StartsWith("submission 2: 1 cells;", output);
        WaitFor(sweep, () => SweepSlurm.Status(sweep).All(s => s.Queued is null) ? "" : null, TimeSpan.FromMinutes(4));

        IReadOnlyList<SweepCellStatus> states = SweepStatus.Read(sweep);
        Assert.All(states, s => Assert.Equal(SweepCellState.Done, s.State));
        Assert.Equal(2, states.Single(s => s.Cell.Id == training.Status.Cell.Id).Attempts);
        foreach (SweepCellStatus state in states)
        {
            SweepCellResult submitted = SweepCellResult.Read(folder.File($"sweep/results/{state.Cell.Id}.json"));
            SweepCellResult ranHere = SweepCellResult.Read(local.File($"sweep/results/{state.Cell.Id}.json"));
            Assert.Equal(ranHere.Metrics["dev"], submitted.Metrics["dev"]);
            Assert.Equal(ranHere.Metrics["test"], submitted.Metrics["test"]);
            Assert.Equal(Sha256(local.File($"sweep/cells/{state.Cell.Id}/student/model.safetensors")), Sha256(folder.File($"sweep/cells/{state.Cell.Id}/student/model.safetensors")));
        }
        Assert.True(File.Exists(folder.File("sweep/report/sweep-report.md")), "the report job ran after the cells");
    }

    /// <summary>Whether the cell's latest log shows its KD stage under way (and it has no result yet).</summary>
    private static bool Training(TempFolder folder, string id)
    {
        string logs = folder.File($"sweep/logs/{id}");
        return !File.Exists(folder.File($"sweep/results/{id}.json")) && Directory.Exists(logs)
            && Directory.GetFiles(logs, "*.log").Any(f => File.ReadAllText(f).Contains("kd: 1800 steps", StringComparison.Ordinal));
    }

    private T WaitFor<T>(SweepOptions sweep, Func<T?> found, TimeSpan limit) where T : class
    {
        DateTime until = DateTime.UtcNow + limit;
        T? value;
        while ((value = found()) is null)
        {
            if (DateTime.UtcNow > until)
            {
                foreach (SweepSlurmCellStatus state in SweepSlurm.Status(sweep))
                {
                    log.WriteLine(state.ToString());
                }
                // a test that gives up leaves nothing queued behind it
                string[] jobs = SweepSlurm.ReadSubmissions(new SweepFolder(sweep.Folder))
                    .SelectMany(s => new[] { s.Prepare, s.Report }.OfType<string>().Concat(s.Arrays.Select(a => a.Job))).ToArray();
                new SlurmCluster().Cancel(jobs);
                Assert.Fail($"waited {limit} for the sweep (is the cluster busy with other jobs?)");
            }
            Thread.Sleep(500);
        }
        return value;
    }

    private static void Run(string tool, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(tool, arguments) { RedirectStandardError = true })!;
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{tool} {string.Join(' ', arguments)}: {process.StandardError.ReadToEnd()}");
    }

    private static string Sha256(string file) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(file)));
}
