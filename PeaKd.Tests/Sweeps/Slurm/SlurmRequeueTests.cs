using PeaKd.Slurm;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Sweeps.Slurm;

/// <summary>
/// SIGTERM under a real Slurm (scancel --batch --signal=TERM, as a preemption or the time limit's warning sends it):
/// the script passes it to the command; far from the time limit the task ends there, near it the task requeues
/// itself and its next attempt is attempt 1.
/// </summary>
[Trait("Speed", "Slow")]
public class SlurmRequeueTests
{
    [SlurmFact]
    public void Sigterm_far_from_the_time_limit_stops_the_command_and_ends_the_task()
    {
        using var folder = TestFiles.TempFolder();
        var (logs, task, states) = Stop(folder, new SlurmOptions { Time = "10", SignalLeadSeconds = 60 });
        Assert.Equal([$"{task} FAILED"], states.Select(s => $"{s.Id} {s.State}"));
        Assert.Equal("cell wait attempt 0\ncell running\ncell got TERM\n", File.ReadAllText(Path.Combine(logs, "wait", "0.log")));
        Assert.False(File.Exists(Path.Combine(logs, "wait", "1.log")));
        string slurmLog = File.ReadAllText(Path.Combine(logs, "slurm", $"{task}.out"));
        Assert.Contains("wait exited with status 143", slurmLog);
        Assert.DoesNotContain("timed out", slurmLog);
    }

    [SlurmFact]
    public void Sigterm_near_the_time_limit_requeues_the_task_whose_next_attempt_is_1()
    {
        // A 2-minute limit and a 60 s lead: a SIGTERM within lead + 60 s of the end is the time limit's.
        using var folder = TestFiles.TempFolder();
        var (logs, task, states) = Stop(folder, new SlurmOptions { Time = "2", SignalLeadSeconds = 60, MaxTimeoutRequeues = 1 });
        Assert.Equal([$"{task} COMPLETED"], states.Select(s => $"{s.Id} {s.State}"));
        Assert.Equal("cell wait attempt 0\ncell running\ncell got TERM\n", File.ReadAllText(Path.Combine(logs, "wait", "0.log")));
        Assert.Equal("cell wait attempt 1\ncell resumed\n", File.ReadAllText(Path.Combine(logs, "wait", "1.log")));
        string slurmLog = File.ReadAllText(Path.Combine(logs, "slurm", $"{task}.out"));
        Assert.Contains($"job {task}: wait timed out; requeued (1 of 1)", slurmLog);
        Assert.Contains($"job {task}: wait, attempt 1", slurmLog);
    }

    /// <summary>Submits a one-cell array whose cell runs until SIGTERM, sends SIGTERM once it runs, and waits for the end.</summary>
    private static (string Logs, string Task, IReadOnlyList<SlurmJobState> States) Stop(TempFolder folder, SlurmOptions options)
    {
        SlurmCluster cluster = LocalSlurm.Cluster();
        File.WriteAllText(folder.File("cell.sh"), SlurmClusterTests.Cell);
        File.WriteAllText(folder.File("cells.txt"), "wait\n");
        string logs = folder.File("logs");
        string job = SlurmClusterTests.Submit(cluster, folder, "cells", SlurmScript.Array(new SlurmArrayJob(
            "wait", folder.File("cells.txt"), new SlurmArrayRange(0, 1), ["bash", folder.File("cell.sh")], logs, options)), logs);
        string task = job + "_0";
        SlurmClusterTests.WaitForText(Path.Combine(logs, "wait", "0.log"), "cell running");
        cluster.Cancel([task], signal: "TERM");
        var states = SlurmClusterTests.WaitForEnd(cluster, [job], expected: 1);
        return (logs, task, states);
    }
}
