using PeaKd.Sweeps;
using PeaKd.Slurm;
using PeaKd.Tests.Infrastructure;
using Xunit;
using SamplesCatalog = PeaKd.Samples.Students.StudentCatalog;

namespace PeaKd.Tests.Sweeps.Slurm;

/// <summary>What <c>sweep submit</c> hands Slurm, through stand-in tools: the jobs, their dependencies, the arrays split
/// to MaxArraySize, the cells seed by seed, and nothing submitted twice.</summary>
public class SweepSubmitTests
{
    /// <summary>sbatch answers 100, 101, ... and keeps each script it was given; squeue answers with QUEUE's lines.</summary>
    private static SlurmCluster Fake(TempFolder folder, int maxArraySize)
    {
        string tools = folder.File("tools");
        FakeSlurmTools.Write(tools, "sbatch", $$"""
            n=$(cat {{folder.File("next")}} 2>/dev/null || echo 100); echo $((n + 1)) > {{folder.File("next")}}
            cp "${@: -1}" {{folder.File("submitted")}}-$n; echo "$n"
            """);
        FakeSlurmTools.Write(tools, "scontrol", $"echo 'MaxArraySize            = {maxArraySize}'; echo 'MaxJobCount             = 10000'");
        FakeSlurmTools.Write(tools, "squeue", $"cat {folder.File("queue")} 2>/dev/null; true");
        return new SlurmCluster(new SlurmTools(tools));
    }

    [Fact]
    public void Cells_go_seed_by_seed_into_arrays_after_the_shared_steps_and_the_report_after_them_all()
    {
        using TempFolder folder = TestFiles.TempFolder();
        string spec = SweepSpecFiles.Write(folder, """ "students": ["Bert1", "Bert2"], "recipes": ["kd"], "seeds": [1, 2] """);
        SweepOptions sweep = SweepSpec.Load(spec, SamplesCatalog.All);
        SweepCell[] cells = SweepPlanner.Plan(sweep).Cells.ToArray(); // Bert1 s1, Bert1 s2, Bert2 s1, Bert2 s2
        var commands = new SweepJobCommands(["peakd", "sweep", "prepare", spec], new SweepCellCommand(["peakd", "sweep", "run", spec, "--cell"]), ["peakd", "sweep", "report", spec]);
        SlurmCluster cluster = Fake(folder, maxArraySize: 3); // arrays of at most 3 tasks

        SweepSubmission submitted = SweepSlurm.Submit(sweep, new SlurmOptions { CpusPerTask = 2 }, commands, retryFailed: false, cluster)!;

        Assert.Equal([cells[0].Id, cells[2].Id, cells[1].Id, cells[3].Id], submitted.Cells); // seed 1 of each, then seed 2
        Assert.Equal("100", submitted.Prepare);
        Assert.Equal([new SweepArrayJob("101", 0, 3), new SweepArrayJob("102", 3, 1)], submitted.Arrays);
        Assert.Equal("103", submitted.Report);
        Assert.Equal(submitted.Cells, File.ReadAllLines(folder.File("sweep/slurm/1/cells.txt")));
        string prepare = File.ReadAllText(folder.File("submitted-100"));
        Assert.DoesNotContain("--dependency", prepare);
        Assert.Contains("command=('peakd' 'sweep' 'prepare' ", prepare);
        Assert.Contains("#SBATCH --dependency=afterok:100", File.ReadAllText(folder.File("submitted-101")));
        Assert.Contains("#SBATCH --array=0-2", File.ReadAllText(folder.File("submitted-101")));
        Assert.Contains("#SBATCH --array=0-0", File.ReadAllText(folder.File("submitted-102")));
        Assert.Contains("offset=3", File.ReadAllText(folder.File("submitted-102")));
        Assert.Contains("#SBATCH --cpus-per-task=2", File.ReadAllText(folder.File("submitted-102")));
        Assert.Contains("#SBATCH --dependency=afterany:101:102", File.ReadAllText(folder.File("submitted-103")));
        Assert.Equal(submitted.ToString(), Assert.Single(SweepSlurm.ReadSubmissions(new SweepFolder(sweep.Folder))).ToString());

        // while Slurm still queues them, no cell is submitted again
        File.WriteAllText(folder.File("queue"), "101_0|PENDING|Dependency\n101_1|PENDING|Dependency\n101_2|PENDING|Dependency\n102_0|RUNNING|None\n");
        Assert.Null(SweepSlurm.Submit(sweep, new SlurmOptions(), commands, retryFailed: false, cluster));
        IReadOnlyList<SweepSlurmCellStatus> status = SweepSlurm.Status(sweep, cluster);
        Assert.Equal(["101_0", "101_2", "101_1", "102_0"], status.Select(s => s.Task)); // in plan order: Bert1 s1, Bert1 s2, Bert2 s1, Bert2 s2
        Assert.Equal(["PENDING (Dependency)", "PENDING (Dependency)", "PENDING (Dependency)", "RUNNING"], status.Select(s => s.Queued));

        // once the queue has forgotten them, the cells not done are submitted again
        File.WriteAllText(folder.File("queue"), "");
        Assert.Equal(2, SweepSlurm.Submit(sweep, new SlurmOptions(), commands, retryFailed: false, cluster)!.Number);
    }
}
