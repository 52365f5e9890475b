using System.Globalization;
using System.Text;
using PeaKd.IO;

namespace PeaKd.Slurm;

/// <summary>
/// Writes the sbatch scripts a sweep submits: an array over cells, and a single job. The scripts are kept beside the
/// cells for people to read, so they say what they do. Each one:
/// <list type="bullet">
/// <item>asks Slurm for the resources in <see cref="SlurmOptions"/>, with --requeue and --open-mode=append, and for
/// SIGTERM <see cref="SlurmOptions.SignalLeadSeconds"/> before the time limit, sent to the script (B:);</item>
/// <item>writes the command's output to LOGS/NAME/ATTEMPT.log, ATTEMPT being SLURM_RESTART_COUNT (0 the first time);</item>
/// <item>runs the command in the background and passes SIGTERM on to it, then waits until it has exited;</item>
/// <item>tells a time limit from a preemption: a SIGTERM that came when the job had at most the lead + 60 s left
/// (Slurm checks limits about every 30 s and may signal up to 60 s early) is the limit's, and the script requeues the
/// job itself (scontrol requeue), at most <see cref="SlurmOptions.MaxTimeoutRequeues"/> times per job, counted in
/// Slurm's own log of the job. Any other SIGTERM is a preemption, which Slurm requeues itself, or a cancel.</item>
/// </list>
/// </summary>
internal static class SlurmScript
{
    /// <summary>The script of <paramref name="job"/>'s array.</summary>
    public static string Array(SlurmArrayJob job)
    {
        Check(job.Name, job.LogsFolder, job.Command, job.Options, job.WorkingFolder);
        CheckPath("the cells file", job.CellsFile);
        if (job.Range.Count < 1 || job.Range.Offset < 0)
        {
            throw new ArgumentException($"An array runs at least one cell from offset 0 or later; got {job.Range}.", nameof(job));
        }
        string throttle = job.Options.ArrayThrottle is int k ? $"%{k}" : "";
        var text = new StringBuilder();
        text.Append($"""
            #!/usr/bin/env bash
            # Written by PeaKd: a Slurm array of {job.Range.Count} cells. Task i runs the cell on line {job.Range.Offset} + i + 1 of
            # {job.CellsFile}.
            {Explained(job.Options, job.LogsFolder, job.AttemptsFolder)}
            #SBATCH --job-name={job.Name}
            #SBATCH --array=0-{job.Range.Count - 1}{throttle}
            #SBATCH --output={job.LogsFolder}/slurm/%A_%a.out

            """);
        Header(text, job.Options, job.DependsOn, job.WorkingFolder);
        text.Append($$"""

            set -u
            cells={{Quote(job.CellsFile)}}
            offset={{job.Range.Offset}}
            line=$((offset + SLURM_ARRAY_TASK_ID + 1))
            name=$(sed -n "${line}p" "$cells")
            if [ -z "$name" ]; then
              echo "$(date -Is) no cell on line $line of $cells" >&2
              exit 2
            fi
            job="${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"
            command=({{string.Join(' ', job.Command.Select(Quote))}} "$name")

            """);
        Body(text, job.LogsFolder, job.Options, "$logs/slurm/$job.out", job.AttemptsFolder);
        return text.ToString();
    }

    /// <summary>The script of the single job <paramref name="job"/>.</summary>
    public static string Single(SlurmSingleJob job)
    {
        Check(job.Name, job.LogsFolder, job.Command, job.Options, job.WorkingFolder);
        var text = new StringBuilder();
        text.Append($"""
            #!/usr/bin/env bash
            # Written by PeaKd: the job {job.Name}.
            {Explained(job.Options, job.LogsFolder)}
            #SBATCH --job-name={job.Name}
            #SBATCH --output={job.LogsFolder}/slurm/{job.Name}-%j.out

            """);
        Header(text, job.Options, job.DependsOn, job.WorkingFolder);
        text.Append($$"""

            set -u
            name={{Quote(job.Name)}}
            job="$SLURM_JOB_ID"
            command=({{string.Join(' ', job.Command.Select(Quote))}})

            """);
        Body(text, job.LogsFolder, job.Options, "$logs/slurm/$name-$job.out");
        return text.ToString();
    }

    /// <summary>Writes <paramref name="script"/> to <paramref name="path"/> (atomically) and makes the folder Slurm
    /// writes its own logs to, LOGS/slurm: Slurm does not make it, and a job whose log folder is missing fails without
    /// a word.</summary>
    public static void Write(string path, string script, string logsFolder)
    {
        Directory.CreateDirectory(Path.Combine(logsFolder, "slurm"));
        AtomicFile.WriteAllText(path, script);
    }

    /// <summary>A shell word that is exactly <paramref name="value"/>: single quotes, with each ' written as '\''.</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string Explained(SlurmOptions options, string logsFolder, string? attemptsFolder = null)
    {
        string attempt = attemptsFolder is null ? "ATTEMPT = SLURM_RESTART_COUNT, 0 the\n# first time"
            : $"ATTEMPT = one past the attempts\n# recorded in {attemptsFolder}/NAME";
        string requeue = options.Requeue
            ? $"""
              # Requeue: a SIGTERM that came when the job had at most {options.SignalLeadSeconds} + 60 s left is the time limit's (Slurm may
              # signal up to 60 s early): the script requeues the job, at most {options.MaxTimeoutRequeues} times. Any other SIGTERM is a
              # preemption, after which Slurm requeues the job itself (as after a node failure), or a cancel. A requeued
              # attempt resumes where the last one stopped.
              """
            : "# Requeue: none; a preempted or timed-out attempt is left failed.";
        return $"""
            # Output: each attempt's goes to {logsFolder}/NAME/ATTEMPT.log ({attempt}); this script's own lines go to Slurm's log in {logsFolder}/slurm.
            # Signals: Slurm sends SIGTERM to this script {options.SignalLeadSeconds} s before the time limit, and on preemption or
            # scancel; the script passes it to the command, which stops cleanly, and waits for it.
            {requeue}
            """;
    }

    private static void Header(StringBuilder text, SlurmOptions options, SlurmDependency? dependsOn, string? workingFolder)
    {
        void Line(string option) => text.Append("#SBATCH ").Append(option).Append('\n');
        Line(options.Requeue ? "--requeue" : "--no-requeue");
        Line("--open-mode=append");
        Line(string.Create(CultureInfo.InvariantCulture, $"--signal=B:TERM@{options.SignalLeadSeconds}"));
        Optional("--partition", options.Partition);
        Optional("--time", options.Time);
        Optional("--cpus-per-task", options.CpusPerTask?.ToString(CultureInfo.InvariantCulture));
        Optional("--mem", options.Memory);
        Optional("--gres", options.Gres);
        Optional("--account", options.Account);
        Optional("--chdir", workingFolder);
        if (dependsOn is not null)
        {
            Line($"--dependency={dependsOn}");
            // A dependency that can never be met (afterok on a failed job) cancels the job rather than leaving it pending.
            Line("--kill-on-invalid-dep=yes");
        }

        void Optional(string option, string? value)
        {
            if (value is not null)
            {
                Line($"{option}={value}");
            }
        }
    }

    // Long: the script's body is one piece of bash, kept whole so that it reads as the file does.
    private static void Body(StringBuilder text, string logsFolder, SlurmOptions options, string slurmLog, string? attemptsFolder = null)
    {
        string attempt = attemptsFolder is null ? "\"${SLURM_RESTART_COUNT:-0}\""
            : $"$(( $(find {Quote(attemptsFolder)}/\"$name\" -maxdepth 1 -name '*.json' 2>/dev/null | wc -l) + 1 ))";
        text.Append($$"""
            logs={{Quote(logsFolder)}}
            slurm_log="{{slurmLog}}"
            lead={{options.SignalLeadSeconds}}
            requeue={{(options.Requeue ? 1 : 0)}}
            max_timeout_requeues={{options.MaxTimeoutRequeues}}

            attempt={{attempt}}
            mkdir -p "$logs/$name"
            log="$logs/$name/$attempt.log"
            export PEAKD_SWEEP_LOG="$log"
            # as many compute threads as cores granted (libtorch would otherwise take every core of the node)
            if [ -n "${SLURM_CPUS_PER_TASK:-}" ]; then export OMP_NUM_THREADS="$SLURM_CPUS_PER_TASK"; fi
            echo "$(date -Is) job $job: $name, attempt $attempt, on $(hostname); output in $log"

            # The time limit's end, read now: once the job is cancelled, squeue's end time is the cancel's.
            end_text=$(squeue --noheader --jobs="$job" --format=%e 2>/dev/null)
            end=""
            case "$end_text" in [0-9]*) end=$(date -d "$end_text" +%s 2>/dev/null) ;; esac

            # SIGTERM goes on to the command, which stops cleanly; the time it came tells a time limit from a preemption.
            child=""
            stopped_at=""
            interrupted=""
            on_term() {
              interrupted=1
              stopped_at="${stopped_at:-$(date +%s)}"
              if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null; fi
            }
            trap on_term TERM

            "${command[@]}" >>"$log" 2>&1 &
            child=$!
            # A SIGTERM that came before the command started.
            if [ -n "$stopped_at" ]; then kill -TERM "$child" 2>/dev/null; fi

            # wait returns as soon as the trap has run: wait again until the command itself has exited. (127: its status
            # was collected already, so the one before stands.)
            status=""
            while :; do
              interrupted=""
              wait "$child"
              code=$?
              if [ "$code" -eq 127 ] && [ -n "$status" ]; then break; fi
              status=$code
              if [ -z "$interrupted" ]; then break; fi
            done
            echo "$(date -Is) job $job: $name exited with status $status"

            # Stopped near the time limit: requeue, unless this job has been requeued for its limit often enough.
            # A cancel or a preemption is not a time limit, even near the end: squeue says so (CANCELLED, PREEMPTED).
            state=$(squeue --noheader --jobs="$job" --format=%T 2>/dev/null)
            if [ -n "$stopped_at" ] && [ "$status" -ne 0 ] && [ "$requeue" = 1 ] && [ "$state" = RUNNING ]; then
              if [ -n "$end" ] && [ $((end - stopped_at)) -le $((lead + 60)) ]; then
                timeouts=$(grep -c "timed out; requeued" "$slurm_log" 2>/dev/null) || timeouts=0
                if [ "$timeouts" -lt "$max_timeout_requeues" ]; then
                  echo "$(date -Is) job $job: $name timed out; requeued ($((timeouts + 1)) of $max_timeout_requeues)"
                  scontrol requeue "$job"
                else
                  echo "$(date -Is) job $job: $name timed out $timeouts times already; not requeued"
                fi
              fi
            fi
            exit "$status"

            """);
    }

    private static void Check(string name, string logsFolder, IReadOnlyList<string> command, SlurmOptions options, string? workingFolder)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            throw new ArgumentException($"A Slurm job's name is a word of letters, digits, '.', '_' and '-'; got '{name}'.", nameof(name));
        }
        if (command.Count == 0)
        {
            throw new ArgumentException("A Slurm job needs a command to run.", nameof(command));
        }
        CheckPath("the logs folder", logsFolder);
        if (workingFolder is not null)
        {
            CheckPath("the working folder", workingFolder);
        }
    }

    /// <summary>Paths in #SBATCH lines: sbatch splits them at spaces, and reads '%' as the start of a pattern (%j).</summary>
    private static void CheckPath(string what, string path)
    {
        if (path.Length == 0 || path.Any(c => char.IsWhiteSpace(c) || c is '%' or '"' or '\'' or '\\'))
        {
            throw new ArgumentException($"A Slurm script cannot name {what} '{path}': its #SBATCH lines take paths without spaces, quotes, backslashes or '%'. Use a folder whose path has none.", nameof(path));
        }
    }
}
