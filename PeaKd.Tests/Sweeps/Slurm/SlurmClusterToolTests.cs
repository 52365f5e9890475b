using PeaKd.Slurm;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Sweeps.Slurm;

/// <summary>
/// The adapter runs Slurm's tools with argument lists and says clearly when one is missing or fails. Stand-in tools
/// (bash scripts) print what Slurm prints, so these run without a cluster.
/// </summary>
public class SlurmClusterToolTests
{
    [Fact]
    public void A_missing_tool_is_named_with_what_to_do()
    {
        using var folder = TestFiles.TempFolder();
        var e = Assert.Throws<SlurmException>(() => new SlurmCluster(new SlurmTools(folder.Path)).Submit("job.sh"));
        Assert.Equal("sbatch", e.Tool);
        Assert.StartsWith($"Slurm's sbatch is not in {folder.Path}; run where Slurm's client tools are installed", e.Message);
    }

    [Fact]
    public void A_failing_tool_gives_the_first_line_of_its_errors()
    {
        using var folder = TestFiles.TempFolder();
        FakeSlurmTools.Write(folder.Path, "sbatch", """
            echo "sbatch: error: Batch job submission failed: Invalid account or account/partition combination specified" >&2
            echo "second line" >&2
            exit 1
            """);
        var e = Assert.Throws<SlurmException>(() => new SlurmCluster(new SlurmTools(folder.Path)).Submit("job.sh"));
        Assert.Equal("Slurm's sbatch failed (exit code 1): sbatch: error: Batch job submission failed: Invalid account or account/partition combination specified", e.Message);
    }

    [Fact]
    public void Arguments_go_to_the_tool_as_they_are()
    {
        using var folder = TestFiles.TempFolder();
        string calls = folder.File("calls");
        FakeSlurmTools.Write(folder.Path, "sbatch", $"printf '%s\\n' \"$@\" > {SlurmScript.Quote(calls)}; echo '321;cluster'");
        string id = new SlurmCluster(new SlurmTools(folder.Path)).Submit("my job.sh", ["--dependency=afterok:1", "--hold"]);
        Assert.Equal("321", id);
        Assert.Equal(["--parsable", "--dependency=afterok:1", "--hold", "my job.sh"], File.ReadAllLines(calls));
    }

    [Fact]
    public void No_accounting_and_forgotten_jobs_are_empty_answers_not_errors()
    {
        using var folder = TestFiles.TempFolder();
        FakeSlurmTools.Write(folder.Path, "sacct", "echo 'Slurm accounting storage is disabled' >&2; exit 1");
        FakeSlurmTools.Write(folder.Path, "squeue", "echo 'slurm_load_jobs error: Invalid job id specified' >&2; exit 1");
        var cluster = new SlurmCluster(new SlurmTools(folder.Path));
        Assert.Empty(cluster.Accounting(["5"]));
        Assert.Empty(cluster.Queue(["5"]));
        Assert.Empty(new SlurmCluster(new SlurmTools(folder.File("nowhere"))).Accounting(["5"]));

        FakeSlurmTools.Write(folder.Path, "squeue", "echo 'squeue: error: Unable to contact slurm controller' >&2; exit 1");
        var e = Assert.Throws<SlurmException>(() => cluster.Queue(["5"]));
        Assert.EndsWith(": squeue: error: Unable to contact slurm controller", e.Message);
    }

    [Fact]
    public void Queue_asks_for_every_task_of_the_jobs_and_reads_them()
    {
        using var folder = TestFiles.TempFolder();
        string calls = folder.File("calls");
        FakeSlurmTools.Write(folder.Path, "squeue", $"printf '%s\\n' \"$@\" > {SlurmScript.Quote(calls)}; printf '9_0|RUNNING|None\\n9_[1-2]|PENDING|JobArrayTaskLimit\\n'");
        var states = new SlurmCluster(new SlurmTools(folder.Path)).Queue(["9", "10"]);
        Assert.Equal(["9_0 RUNNING", "9_1 PENDING", "9_2 PENDING"], states.Select(s => $"{s.Id} {s.State}"));
        Assert.Equal(["--noheader", "--array", "--states=all", "--jobs=9,10", "--format=%i|%T|%r"], File.ReadAllLines(calls));
    }

    [Fact]
    public void A_tool_that_hangs_is_stopped_and_named()
    {
        using var folder = TestFiles.TempFolder();
        FakeSlurmTools.Write(folder.Path, "scontrol", "sleep 30");
        var e = Assert.Throws<SlurmException>(() => new SlurmCluster(new SlurmTools(folder.Path, TimeSpan.FromMilliseconds(300))).Limits());
        Assert.StartsWith("Slurm's scontrol did not answer within 0 s", e.Message);
    }
}
