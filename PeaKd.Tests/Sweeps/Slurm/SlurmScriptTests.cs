using System.Diagnostics;
using System.Globalization;
using PeaKd.Slurm;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Sweeps.Slurm;

/// <summary>
/// The generated sbatch scripts, run by bash as Slurm would run them (its environment variables set by hand) with
/// stand-ins for squeue and scontrol: each task picks its line, logs per attempt, passes SIGTERM on, and requeues
/// itself only after a time limit's signal and only up to the cap. No cluster is needed; the live tests
/// (<see cref="SlurmClusterTests"/>) run the same scripts under Slurm.
/// </summary>
public class SlurmScriptTests
{
    private const string Cell = """
        if [ "$1" = wait ]; then trap 'echo "cell got TERM"; kill "$sleeper" 2>/dev/null; exit 143' TERM; fi
        echo "cell $1 running"
        case "$1" in
          fail) exit 3 ;;
          wait) sleep 60 & sleeper=$!; wait "$sleeper" ;;
        esac
        echo "cell $1 done"
        """;

    private static SlurmArrayJob Job(TempFolder folder, SlurmOptions? options = null)
    {
        File.WriteAllText(folder.File("cells.txt"), "a\nb\nfail\nwait\n");
        File.WriteAllText(folder.File("cell.sh"), Cell);
        return new SlurmArrayJob("peakd-cells", folder.File("cells.txt"), new SlurmArrayRange(1, 3), ["bash", folder.File("cell.sh")],
            folder.File("logs"), options ?? new SlurmOptions { Time = "10", SignalLeadSeconds = 60, MaxTimeoutRequeues = 2 });
    }

    [Fact]
    public void The_array_script_asks_slurm_for_what_the_options_say()
    {
        using var folder = TestFiles.TempFolder();
        var options = new SlurmOptions
        {
            Partition = "gpu", Time = "1-00:00:00", CpusPerTask = 4, Memory = "16G", Gres = "gpu:1", Account = "lab", ArrayThrottle = 8,
        };
        string script = SlurmScript.Array(Job(folder, options) with
        {
            DependsOn = new SlurmDependency(SlurmAfter.Ok, ["41"]), WorkingFolder = folder.Path,
        });
        string[] expected =
        [
            "--job-name=peakd-cells", "--array=0-2%8", $"--output={folder.File("logs")}/slurm/%A_%a.out", "--requeue",
            "--open-mode=append", "--signal=B:TERM@120", "--partition=gpu", "--time=1-00:00:00", "--cpus-per-task=4",
            "--mem=16G", "--gres=gpu:1", "--account=lab", $"--chdir={folder.Path}", "--dependency=afterok:41",
            "--kill-on-invalid-dep=yes",
        ];
        Assert.Equal(expected, SbatchLines(script));
        Assert.Equal(0, Bash(["-n"], script, folder).ExitCode);

        string plain = SlurmScript.Array(Job(folder, new SlurmOptions { Requeue = false }));
        Assert.Equal(["--job-name=peakd-cells", "--array=0-2", $"--output={folder.File("logs")}/slurm/%A_%a.out", "--no-requeue", "--open-mode=append", "--signal=B:TERM@120"],
            SbatchLines(plain));
    }

    [Fact]
    public void The_single_job_script_logs_under_its_name()
    {
        using var folder = TestFiles.TempFolder();
        var job = new SlurmSingleJob("prepare", ["bash", "-c", "echo prepared"], folder.File("logs"), new SlurmOptions(),
            new SlurmDependency(SlurmAfter.Any, ["7", "8"]));
        string script = SlurmScript.Single(job);
        Assert.Contains($"--output={folder.File("logs")}/slurm/prepare-%j.out", SbatchLines(script));
        Assert.Contains("--dependency=afterany:7:8", SbatchLines(script));
        Assert.DoesNotContain(SbatchLines(script), l => l.StartsWith("--array", StringComparison.Ordinal));

        var run = Bash([], script, folder, ("SLURM_JOB_ID", "55"), ("SLURM_RESTART_COUNT", "1"));
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("prepared\n", File.ReadAllText(folder.File("logs/prepare/1.log")));
        Assert.Contains("job 55: prepare, attempt 1", run.Output);
    }

    [Fact]
    public void Each_task_runs_the_cell_on_its_line_and_logs_per_attempt()
    {
        using var folder = TestFiles.TempFolder();
        string script = SlurmScript.Array(Job(folder));

        // Offset 1: task 0 runs line 2 ("b"), task 1 line 3 ("fail").
        var b = Bash([], script, folder, Task(0), ("SLURM_RESTART_COUNT", "2"));
        Assert.Equal(0, b.ExitCode);
        Assert.Equal("cell b running\ncell b done\n", File.ReadAllText(folder.File("logs/b/2.log")));
        Assert.Contains("job 77_0: b, attempt 2", b.Output);

        var fail = Bash([], script, folder, Task(1));
        Assert.Equal(3, fail.ExitCode);
        Assert.Equal("cell fail running\n", File.ReadAllText(folder.File("logs/fail/0.log")));
        Assert.Contains("job 77_1: fail exited with status 3", fail.Output);

        var beyond = Bash([], script, folder, Task(3));
        Assert.Equal(2, beyond.ExitCode);
        Assert.Contains("no cell on line 5 of", beyond.Error);
    }

    [Fact]
    public void The_command_gets_its_arguments_exactly()
    {
        using var folder = TestFiles.TempFolder();
        string odd = "it's $HOME `id` \"quoted\" \\ ; done";
        var job = new SlurmSingleJob("odd", ["printf", "%s|", odd, "two words"], folder.File("logs"), new SlurmOptions());
        Assert.Equal(0, Bash([], SlurmScript.Single(job), folder, ("SLURM_JOB_ID", "9")).ExitCode);
        Assert.Equal(odd + "|two words|", File.ReadAllText(folder.File("logs/odd/0.log")));
    }

    [Fact]
    public void Paths_that_sbatch_lines_cannot_hold_are_refused()
    {
        using var folder = TestFiles.TempFolder();
        var e = Assert.Throws<ArgumentException>(() => SlurmScript.Array(Job(folder) with { LogsFolder = "/tmp/my logs" }));
        Assert.Contains("'/tmp/my logs'", e.Message);
        Assert.Throws<ArgumentException>(() => SlurmScript.Single(new SlurmSingleJob("a b", ["true"], folder.Path, new SlurmOptions())));
        Assert.Throws<PeaKd.Options.InvalidOptionException>(() => SlurmScript.Single(new SlurmSingleJob("a", ["true"], folder.Path, new SlurmOptions { Time = "soon" })));
    }

    [Theory]
    [InlineData(30, 0, true, "RUNNING")]       // near the time limit: requeued, the first of two
    [InlineData(3600, 0, false, "RUNNING")]    // an hour left: a preemption or a cancel, not requeued by the script
    [InlineData(30, 2, false, "RUNNING")]      // timed out twice already (the cap): not requeued
    [InlineData(30, 0, false, "CANCELLED")]    // a scancel near the limit is a cancel, not a timeout
    [InlineData(30, 0, false, "PREEMPTED")]    // a preemption near the limit: Slurm requeues it, not the script
    public void A_sigterm_reaches_the_command_and_only_a_timeout_requeues(int secondsLeft, int timeoutsBefore, bool requeued, string state)
    {
        using var folder = TestFiles.TempFolder();
        string script = SlurmScript.Array(Job(folder));
        Directory.CreateDirectory(folder.File("logs/slurm"));
        File.WriteAllText(folder.File("logs/slurm/77_2.out"), string.Concat(Enumerable.Repeat("job 77_2: wait timed out; requeued\n", timeoutsBefore)));
        string end = DateTime.Now.AddSeconds(secondsLeft).ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);

        var run = Bash([], script, folder, [Task(2), ("FAKE_SLURM_END", end), ("FAKE_SLURM_STATE", state)], untilLogged: "logs/wait/0.log");

        Assert.Equal(143, run.ExitCode);
        Assert.Equal("cell wait running\ncell got TERM\n", File.ReadAllText(folder.File("logs/wait/0.log")));
        string calls = File.Exists(folder.File("scontrol.calls")) ? File.ReadAllText(folder.File("scontrol.calls")) : "";
        Assert.Equal(requeued ? "requeue 77_2\n" : "", calls);
        Assert.Equal(requeued, run.Output.Contains("timed out; requeued (1 of 2)", StringComparison.Ordinal));
        Assert.Equal(timeoutsBefore == 2, run.Output.Contains("timed out 2 times already; not requeued", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_requeue_a_timeout_is_left_failed()
    {
        using var folder = TestFiles.TempFolder();
        string script = SlurmScript.Array(Job(folder, new SlurmOptions { Requeue = false, SignalLeadSeconds = 60 }));
        string end = DateTime.Now.AddSeconds(30).ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
        var run = Bash([], script, folder, [Task(2), ("FAKE_SLURM_END", end)], untilLogged: "logs/wait/0.log");
        Assert.Equal(143, run.ExitCode);
        Assert.False(File.Exists(folder.File("scontrol.calls")));
    }

    private static (string, string) Task(int index) => ("SLURM_ARRAY_TASK_ID", index.ToString(CultureInfo.InvariantCulture));

    private static string[] SbatchLines(string script) =>
        script.Split('\n').Where(l => l.StartsWith("#SBATCH ", StringComparison.Ordinal)).Select(l => l["#SBATCH ".Length..]).ToArray();

    private static (int ExitCode, string Output, string Error) Bash(string[] bashOptions, string script, TempFolder folder, params (string, string)[] environment) =>
        Bash(bashOptions, script, folder, environment, untilLogged: null);

    /// <summary>Runs <paramref name="script"/> with bash, squeue and scontrol replaced by stand-ins (squeue prints
    /// FAKE_SLURM_END for the end time and FAKE_SLURM_STATE, RUNNING unless set, for the state; scontrol writes its
    /// arguments to scontrol.calls). With <paramref name="untilLogged"/>, sends
    /// SIGTERM to bash once the command has written that log.</summary>
    private static (int ExitCode, string Output, string Error) Bash(
        string[] bashOptions, string script, TempFolder folder, (string Name, string Value)[] environment, string? untilLogged)
    {
        string tools = folder.File("tools");
        FakeSlurmTools.Write(tools, "squeue", "case \"$*\" in *%T*) echo \"${FAKE_SLURM_STATE:-RUNNING}\" ;; *) echo \"${FAKE_SLURM_END:-}\" ;; esac");
        FakeSlurmTools.Write(tools, "scontrol", $"echo \"$*\" >> {SlurmScript.Quote(folder.File("scontrol.calls"))}");
        File.WriteAllText(folder.File("job.sh"), script);

        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string option in bashOptions)
        {
            start.ArgumentList.Add(option);
        }
        start.ArgumentList.Add(folder.File("job.sh"));
        start.Environment["PATH"] = tools + ":" + Environment.GetEnvironmentVariable("PATH");
        start.Environment["SLURM_ARRAY_JOB_ID"] = "77";
        foreach ((string name, string value) in environment)
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (untilLogged is not null)
        {
            var waited = Stopwatch.StartNew();
            while (!(File.Exists(folder.File(untilLogged)) && File.ReadAllText(folder.File(untilLogged)).Contains("running", StringComparison.Ordinal)))
            {
                if (waited.Elapsed > TimeSpan.FromSeconds(20) || process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    Assert.Fail($"the command did not start: {error.Result}");
                }
                Thread.Sleep(20);
            }
            Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();
        }
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), "the script did not end");
        return (process.ExitCode, output.Result, error.Result);
    }
}
