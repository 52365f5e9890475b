using System.Diagnostics;
using PeaKd.Slurm;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Sweeps.Slurm;

/// <summary>
/// The generated scripts under a real Slurm (the local one-node cluster): an array after its shared step, a report
/// after every cell whatever their outcome, a job after a failed array cancelled. The command is a small bash script,
/// not peakd, so each job takes a second.
/// </summary>
[Trait("Speed", "Slow")]
public class SlurmClusterTests
{
    /// <summary>A cell: "fail" exits 3; "wait" runs until SIGTERM (and on a requeued attempt finishes at once); the
    /// others say whether the shared step ran before them.</summary>
    internal const string Cell = """
        if [ "$1" = wait ]; then trap 'echo "cell got TERM"; kill "$sleeper" 2>/dev/null; exit 143' TERM; fi
        echo "cell $1 attempt ${SLURM_RESTART_COUNT:-0}"
        case "$1" in
          fail) exit 3 ;;
          wait)
            if [ "${SLURM_RESTART_COUNT:-0}" -ge 1 ]; then echo "cell resumed"; exit 0; fi
            echo "cell running"; sleep 100 & sleeper=$!; wait "$sleeper" ;;
          *) if [ -f "$(dirname "$0")/prepared" ]; then echo "cell $1 after prepare"; fi ;;
        esac
        """;

    private static readonly HashSet<string> Ended =
        ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "PREEMPTED", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE"];

    [SlurmFact]
    public void An_array_runs_after_its_shared_step_and_a_report_after_all_its_cells()
    {
        SlurmCluster cluster = LocalSlurm.Cluster();
        using var folder = TestFiles.TempFolder();
        File.WriteAllText(folder.File("cell.sh"), Cell);
        File.WriteAllText(folder.File("cells.txt"), "a\nb\nfail\n");
        string logs = folder.File("logs");
        var options = new SlurmOptions { Time = "5", SignalLeadSeconds = 60 };

        string prepare = Submit(cluster, folder, "prepare", SlurmScript.Single(new SlurmSingleJob(
            "prepare", ["bash", "-c", $"sleep 1; touch {SlurmScript.Quote(folder.File("prepared"))}; echo prepared"], logs, options)), logs);
        string cells = Submit(cluster, folder, "cells", SlurmScript.Array(new SlurmArrayJob(
            "cells", folder.File("cells.txt"), new SlurmArrayRange(0, 3), ["bash", folder.File("cell.sh")], logs, options,
            new SlurmDependency(SlurmAfter.Ok, [prepare]))), logs);
        string report = Submit(cluster, folder, "report", SlurmScript.Single(new SlurmSingleJob(
            "report", ["bash", "-c", $"ls {SlurmScript.Quote(logs)}"], logs, options, new SlurmDependency(SlurmAfter.Any, [cells]))), logs);
        string gate = Submit(cluster, folder, "gate", SlurmScript.Single(new SlurmSingleJob(
            "gate", ["true"], logs, options, new SlurmDependency(SlurmAfter.Ok, [cells]))), logs);

        var states = WaitForEnd(cluster, [prepare, cells, report, gate], expected: 6);
        Assert.Equal(
            new[] { $"{prepare} COMPLETED", $"{cells}_0 COMPLETED", $"{cells}_1 COMPLETED", $"{cells}_2 FAILED", $"{report} COMPLETED", $"{gate} CANCELLED" }.Order(StringComparer.Ordinal),
            states.Select(s => $"{s.Id} {s.State}").Order(StringComparer.Ordinal));
        Assert.Equal("cell a attempt 0\ncell a after prepare\n", File.ReadAllText(Path.Combine(logs, "a", "0.log")));
        Assert.Equal("cell b attempt 0\ncell b after prepare\n", File.ReadAllText(Path.Combine(logs, "b", "0.log")));
        Assert.Equal("cell fail attempt 0\n", File.ReadAllText(Path.Combine(logs, "fail", "0.log")));
        Assert.Contains("job " + cells + "_2: fail exited with status 3", File.ReadAllText(Path.Combine(logs, "slurm", $"{cells}_2.out")));
        // The report listed every cell's logs: it ran after all of them, the failed one included.
        Assert.Equal(["a", "b", "fail", "prepare", "report", "slurm"], File.ReadAllLines(Path.Combine(logs, "report", "0.log")).Order(StringComparer.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(logs, "gate")), "the job after a failed array never ran");
    }

    /// <summary>Writes <paramref name="script"/> beside the test's cells and submits it.</summary>
    internal static string Submit(SlurmCluster cluster, TempFolder folder, string name, string script, string logs)
    {
        string path = folder.File(name + ".sbatch");
        SlurmScript.Write(path, script, logs);
        return cluster.Submit(path);
    }

    /// <summary>Polls squeue until <paramref name="expected"/> jobs and tasks of <paramref name="jobIds"/> have all ended.</summary>
    internal static IReadOnlyList<SlurmJobState> WaitForEnd(SlurmCluster cluster, IReadOnlyCollection<string> jobIds, int expected)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var states = cluster.Queue(jobIds);
            if (states.Count == expected && states.All(s => Ended.Contains(s.State)))
            {
                return states;
            }
            if (waited.Elapsed > TimeSpan.FromSeconds(120))
            {
                cluster.Cancel(jobIds); // a test that gives up leaves nothing queued behind it
                Assert.Fail("the jobs did not end in 120 s (is the cluster busy with other jobs?): " + string.Join(", ", states.Select(s => $"{s.Id} {s.State} ({s.Reason})")));
            }
            Thread.Sleep(250);
        }
    }

    /// <summary>Waits until <paramref name="file"/> holds <paramref name="text"/>.</summary>
    internal static void WaitForText(string file, string text)
    {
        var waited = Stopwatch.StartNew();
        while (!(File.Exists(file) && File.ReadAllText(file).Contains(text, StringComparison.Ordinal)))
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(60), $"{file} did not say '{text}' in 60 s");
            Thread.Sleep(100);
        }
    }
}
