namespace PeaKd.Slurm;

/// <summary>What a job waits for before it may start.</summary>
internal enum SlurmAfter
{
    /// <summary>Start when every listed job succeeded (afterok); when one fails, the job is cancelled.</summary>
    Ok,

    /// <summary>Start when every listed job ended, whatever its outcome (afterany): a report after failed cells.</summary>
    Any,
}

/// <summary>A dependency: the job starts after <paramref name="JobIds"/> (arrays: all their tasks) as <paramref name="After"/> says.</summary>
internal sealed record SlurmDependency(SlurmAfter After, IReadOnlyList<string> JobIds)
{
    /// <summary>As sbatch takes it: afterok:123:124.</summary>
    public override string ToString() => (After == SlurmAfter.Ok ? "afterok:" : "afterany:") + string.Join(':', JobIds);
}
