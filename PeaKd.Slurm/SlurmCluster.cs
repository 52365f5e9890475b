namespace PeaKd.Slurm;

/// <summary>
/// A Slurm cluster as its tools show it: submit a batch script, read the queue and (where the cluster keeps it) the
/// accounting, read the limits that split arrays, cancel. What it reads of jobs are hints: a sweep's folder says which
/// cells are done.
/// </summary>
/// <param name="tools">Runs sbatch, squeue, sacct, scontrol and scancel.</param>
internal sealed class SlurmCluster(SlurmTools tools)
{
    /// <summary>The cluster whose tools are on PATH.</summary>
    public SlurmCluster()
        : this(new SlurmTools())
    {
    }

    /// <summary>Submits <paramref name="script"/> with sbatch and returns the job's id (an array's id for an array).
    /// sbatch returns as soon as Slurm has queued the job.</summary>
    /// <param name="script">The batch script; its #SBATCH lines say what it asks for.</param>
    /// <param name="arguments">Options for sbatch before the script, which win over the script's own
    /// (such as a dependency known only now).</param>
    public string Submit(string script, IReadOnlyList<string>? arguments = null)
    {
        string output = tools.RunOrThrow("sbatch", ["--parsable", .. arguments ?? [], script]);
        return SlurmText.SubmittedJobId(output);
    }

    /// <summary>What squeue says of <paramref name="jobIds"/> (jobs or whole arrays): pending, running, and those that
    /// ended in the last minutes (Slurm's MinJobAge). A job squeue has forgotten is not listed.</summary>
    public IReadOnlyList<SlurmJobState> Queue(IReadOnlyCollection<string> jobIds)
    {
        if (jobIds.Count == 0)
        {
            return [];
        }
        SlurmOutput result = tools.Run("squeue",
            ["--noheader", "--array", "--states=all", $"--jobs={string.Join(',', jobIds)}", "--format=%i|%T|%r"]);
        if (result.ExitCode != 0)
        {
            // squeue refuses a list where no job is known any more; that is an empty queue, not an error.
            return result.Error.Contains("Invalid job id", StringComparison.OrdinalIgnoreCase) ? [] : throw SlurmTools.Failed("squeue", result);
        }
        return SlurmText.Queue(result.Output);
    }

    /// <summary>What sacct says of <paramref name="jobIds"/>: the state and exit code of each job and array task,
    /// ended ones included. Empty where the cluster keeps no accounting, or where sacct is not installed.</summary>
    public IReadOnlyList<SlurmJobState> Accounting(IReadOnlyCollection<string> jobIds)
    {
        if (jobIds.Count == 0)
        {
            return [];
        }
        SlurmOutput result;
        try
        {
            result = tools.Run("sacct",
                ["--noheader", "--parsable2", "--allocations", $"--jobs={string.Join(',', jobIds)}", "--format=JobID,State,ExitCode"]);
        }
        catch (SlurmException e) when (e.InnerException is not null)
        {
            return []; // sacct is not there: no accounting to read
        }
        if (result.ExitCode != 0)
        {
            // "Slurm accounting storage is disabled": the cluster keeps none.
            return result.Error.Contains("accounting storage is disabled", StringComparison.OrdinalIgnoreCase) ? [] : throw SlurmTools.Failed("sacct", result);
        }
        return SlurmText.Accounting(result.Output);
    }

    /// <summary>The cluster's MaxArraySize and MaxJobCount.</summary>
    public SlurmLimits Limits() => SlurmText.Limits(tools.RunOrThrow("scontrol", ["show", "config"]));

    /// <summary>Cancels <paramref name="jobIds"/> (jobs, whole arrays, or tasks such as 123_4), or, with
    /// <paramref name="signal"/>, only sends that signal to their batch scripts (TERM: the cells stop cleanly and the
    /// scripts end or requeue them as after a preemption).</summary>
    public void Cancel(IReadOnlyCollection<string> jobIds, string? signal = null)
    {
        if (jobIds.Count == 0)
        {
            return;
        }
        string[] how = signal is null ? [] : ["--batch", $"--signal={signal}"];
        tools.RunOrThrow("scancel", [.. how, .. jobIds]);
    }
}
