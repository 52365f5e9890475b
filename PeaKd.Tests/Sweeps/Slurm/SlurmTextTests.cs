using PeaKd.Slurm;
using Xunit;

namespace PeaKd.Tests.Sweeps.Slurm;

/// <summary>
/// What Slurm's tools print is read as Slurm documents it. The samples are written by hand from the man pages
/// (sbatch --parsable: "jobid[;cluster_name]"; squeue %i: "job_id_array_id" with pending ranges such as 123_[5-9%2];
/// sacct --parsable2: fields separated by '|', steps as 123.batch; scontrol show config: "Name = Value").
/// </summary>
public class SlurmTextTests
{
    [Theory]
    [InlineData("123\n", "123")]
    [InlineData("4567;cluster_a\n", "4567")]
    [InlineData("\n 89 \n", "89")]
    public void Sbatch_parsable_gives_the_job_id_with_or_without_a_cluster(string output, string id) =>
        Assert.Equal(id, SlurmText.SubmittedJobId(output));

    [Theory]
    [InlineData("")]
    [InlineData("Submitted batch job 123")]
    [InlineData(";cluster")]
    public void Sbatch_output_that_is_no_job_id_is_refused_quoting_it(string output)
    {
        var e = Assert.Throws<SlurmException>(() => SlurmText.SubmittedJobId(output));
        Assert.Equal("sbatch", e.Tool);
        Assert.Contains($"answered '{output.Trim()}'", e.Message);
    }

    [Fact]
    public void Squeue_lines_give_jobs_tasks_and_expanded_pending_ranges()
    {
        const string output = """
            77|RUNNING|None
            78_0|COMPLETED|None
            78_3|RUNNING|None
            78_[5-7,9%2]|PENDING|JobArrayTaskLimit
            79_[0-1]|PENDING|Dependency

            """;
        string[] expected =
        [
            "77 RUNNING None", "78_0 COMPLETED None", "78_3 RUNNING None",
            "78_5 PENDING JobArrayTaskLimit", "78_6 PENDING JobArrayTaskLimit", "78_7 PENDING JobArrayTaskLimit", "78_9 PENDING JobArrayTaskLimit",
            "79_0 PENDING Dependency", "79_1 PENDING Dependency",
        ];
        Assert.Equal(expected, SlurmText.Queue(output).Select(s => $"{s.Id} {s.State} {s.Reason}"));
        SlurmJobState task = SlurmText.Queue("78_12|RUNNING|None")[0];
        Assert.Equal(("78", 12), (task.JobId, task.Task));
    }

    [Theory]
    [InlineData("78_[5-3]|PENDING|None")]
    [InlineData("78_[5-7|PENDING|None")]
    [InlineData("78_x|RUNNING|None")]
    [InlineData("78_[1-2-3]|PENDING|None")]
    public void An_unreadable_squeue_id_is_refused_naming_it(string line)
    {
        var e = Assert.Throws<SlurmException>(() => SlurmText.Queue(line).ToList());
        Assert.Contains($"'{line.Split('|')[0]}'", e.Message);
    }

    [Fact]
    public void A_squeue_line_without_its_fields_is_refused()
    {
        var e = Assert.Throws<SlurmException>(() => SlurmText.Queue("77 RUNNING"));
        Assert.Contains("'77 RUNNING', not 3 fields", e.Message);
    }

    [Fact]
    public void Sacct_lines_give_states_and_exit_codes_without_steps()
    {
        const string output = """
            80|COMPLETED|0:0
            80.batch|COMPLETED|0:0
            81_0|FAILED|3:0
            81_1|CANCELLED by 0|0:15
            81_2|TIMEOUT|0:0
            81_[3-4]|PENDING|0:0
            """;
        string[] expected = ["80 COMPLETED 0:0", "81_0 FAILED 3:0", "81_1 CANCELLED 0:15", "81_2 TIMEOUT 0:0", "81_3 PENDING 0:0", "81_4 PENDING 0:0"];
        Assert.Equal(expected, SlurmText.Accounting(output).Select(s => $"{s.Id} {s.State} {s.Reason}"));
    }

    [Fact]
    public void Scontrol_config_gives_the_array_and_job_limits()
    {
        const string output = """
            Configuration data as of 2026-12-07T08:19:13
            AccountingStorageType   = (null)
            MaxArraySize            = 501
            MaxJobCount             = 2000
            SLURM_VERSION           = 22.05.8
            """;
        Assert.Equal(new SlurmLimits(501, 2000), SlurmText.Limits(output));
        Assert.Equal(SlurmLimits.Defaults, SlurmText.Limits("SLURM_VERSION = 22.05.8\n"));
        var e = Assert.Throws<SlurmException>(() => SlurmText.Limits("MaxArraySize = lots"));
        Assert.Contains("MaxArraySize = 'lots'", e.Message);
    }

    [Fact]
    public void Cells_are_split_into_arrays_no_larger_than_the_limits()
    {
        // 2,500 cells, at most 1,001 tasks an array: 1001 + 1001 + 498.
        Assert.Equal(
            [new SlurmArrayRange(0, 1001), new SlurmArrayRange(1001, 1001), new SlurmArrayRange(2002, 498)],
            new SlurmLimits(1001, 10000).Split(2500));
        // MaxJobCount below MaxArraySize bounds an array too.
        Assert.Equal([new SlurmArrayRange(0, 300), new SlurmArrayRange(300, 100)], new SlurmLimits(1001, 300).Split(400));
        Assert.Equal([new SlurmArrayRange(0, 5)], SlurmLimits.Defaults.Split(5));
        Assert.Empty(SlurmLimits.Defaults.Split(0));
        Assert.Throws<SlurmException>(() => new SlurmLimits(0, 10000).Split(3));
    }

    [Fact]
    public void Dependencies_are_written_as_sbatch_takes_them()
    {
        Assert.Equal("afterok:12", new SlurmDependency(SlurmAfter.Ok, ["12"]).ToString());
        Assert.Equal("afterany:12:13", new SlurmDependency(SlurmAfter.Any, ["12", "13"]).ToString());
    }
}
