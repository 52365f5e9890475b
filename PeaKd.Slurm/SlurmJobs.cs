namespace PeaKd.Slurm;

/// <summary>
/// An array job over a slice of a cells file: task i runs <see cref="Command"/> with the cell id on line
/// <see cref="SlurmArrayRange.Offset"/> + i + 1 of <see cref="CellsFile"/> appended.
/// </summary>
/// <param name="Name">The job's name in squeue (a word: letters, digits, '.', '_', '-').</param>
/// <param name="CellsFile">The cells to run, one id a line; read by each task when it starts.</param>
/// <param name="Range">The slice of the file this array runs.</param>
/// <param name="Command">The command each task runs, as argv; the cell's id is appended.</param>
/// <param name="LogsFolder">Where each cell's attempts write their output (ID/ATTEMPT.log), and Slurm's own log of each
/// task goes (slurm/ARRAY_TASK.out).</param>
/// <param name="Options">The resources and the requeue policy.</param>
/// <param name="DependsOn">The jobs this array waits for; null: none.</param>
/// <param name="WorkingFolder">The folder the tasks run in; null: the folder sbatch is run from.</param>
/// <param name="AttemptsFolder">Where the command records its attempts at each cell (ID/N.json): the log of an attempt is
/// then ID/N.log with N one past the attempts recorded, whatever the job or submission; null: N is SLURM_RESTART_COUNT.</param>
internal sealed record SlurmArrayJob(
    string Name, string CellsFile, SlurmArrayRange Range, IReadOnlyList<string> Command, string LogsFolder,
    SlurmOptions Options, SlurmDependency? DependsOn = null, string? WorkingFolder = null, string? AttemptsFolder = null);

/// <summary>One job (a sweep's shared step, its report): runs <see cref="Command"/> once.</summary>
/// <param name="Name">The job's name in squeue and its logs' folder name (a word: letters, digits, '.', '_', '-').</param>
/// <param name="Command">The command, as argv.</param>
/// <param name="LogsFolder">Where the attempts write their output (NAME/ATTEMPT.log), and Slurm's own log goes
/// (slurm/NAME-JOB.out).</param>
/// <param name="Options">The resources and the requeue policy; the array throttle does not apply.</param>
/// <param name="DependsOn">The jobs this one waits for; null: none.</param>
/// <param name="WorkingFolder">The folder the job runs in; null: the folder sbatch is run from.</param>
internal sealed record SlurmSingleJob(
    string Name, IReadOnlyList<string> Command, string LogsFolder, SlurmOptions Options,
    SlurmDependency? DependsOn = null, string? WorkingFolder = null);
