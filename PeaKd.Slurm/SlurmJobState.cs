namespace PeaKd.Slurm;

/// <summary>
/// What Slurm says of one job or array task: a hint only (squeue forgets finished jobs after a few minutes, and many
/// clusters keep no accounting for sacct), never the truth of whether a cell is done, which is its result file.
/// </summary>
/// <param name="JobId">The job's id; for an array task, the array's id (123 of 123_4).</param>
/// <param name="Task">The array task's index (4 of 123_4); null for a job that is not an array task.</param>
/// <param name="State">Slurm's state in capitals: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, PREEMPTED,
/// NODE_FAIL, OUT_OF_MEMORY, REQUEUED, ...</param>
/// <param name="Reason">squeue's reason for a pending or held job (Dependency, BeginTime, JobHeldUser, ...), or sacct's
/// exit code (0:0, 1:0, 0:15); "" when there is none.</param>
internal sealed record SlurmJobState(string JobId, int? Task, string State, string Reason)
{
    /// <summary>The id as Slurm prints it: 123, or 123_4 for an array task.</summary>
    public string Id => Task is int task ? $"{JobId}_{task}" : JobId;
}
