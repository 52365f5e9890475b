namespace PeaKd.Slurm;

/// <summary>
/// One of Slurm's tools (sbatch, squeue, sacct, scontrol, scancel) could not be run or failed. The message names the
/// tool and says what Slurm said (the first line of its error output) or what is missing, and what to do.
/// </summary>
public sealed class SlurmException : Exception
{
    /// <summary>Creates the exception for <paramref name="tool"/>.</summary>
    /// <param name="tool">The Slurm tool, such as <c>sbatch</c>.</param>
    /// <param name="message">The whole message, naming the tool.</param>
    /// <param name="inner">The exception that caused it, when there is one.</param>
    internal SlurmException(string tool, string message, Exception? inner = null)
        : base(message, inner)
    {
        Tool = tool;
    }

    /// <summary>The Slurm tool that failed, such as <c>sbatch</c>.</summary>
    public string Tool { get; }
}
