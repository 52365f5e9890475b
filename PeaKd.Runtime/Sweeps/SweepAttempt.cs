using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using PeaKd.IO;
using PeaKd.Options;

namespace PeaKd.Sweeps;

/// <summary>How an attempt at a cell ended.</summary>
internal enum SweepAttemptOutcome
{
    /// <summary>Started and not ended: still running, or its process was killed (out of memory, node failure, a
    /// scheduler's hard kill) before it could say so.</summary>
    Running,

    /// <summary>The cell finished: its result is written.</summary>
    Done,

    /// <summary>Stopped by a signal (a scheduler's preemption or time limit, Ctrl+C) after a training step, every file
    /// complete: the next attempt resumes it exactly. Worth retrying.</summary>
    Stopped,

    /// <summary>Ran out of memory: worth retrying on a machine with more, not as it is.</summary>
    OutOfMemory,

    /// <summary>A file system error (a full disk, a network file system's stale handle): worth retrying.</summary>
    FileSystemError,

    /// <summary>An error that the same inputs would raise again (bad data, a diverged run, a bug): not retried.</summary>
    Failed,

    /// <summary>Not run: the sweep prunes, and the finished cells showed this one cannot count (<see cref="SweepPruning"/>).</summary>
    Skipped,
}

/// <summary>One attempt at a cell, as attempts/ID/N.json records it: written when the attempt starts and again when it
/// ends, so an attempt whose process was killed stays <see cref="SweepAttemptOutcome.Running"/>.</summary>
internal sealed record SweepAttempt
{
    /// <summary>1 for the first attempt at the cell.</summary>
    public required int Number { get; init; }

    /// <summary>How it ended (<see cref="SweepAttemptOutcome.Running"/> until it does).</summary>
    public required SweepAttemptOutcome Outcome { get; init; }

    /// <summary>When it started.</summary>
    public required DateTimeOffset StartedUtc { get; init; }

    /// <summary>When it ended; null while running.</summary>
    public DateTimeOffset? EndedUtc { get; init; }

    /// <summary>The machine it ran on.</summary>
    public required string Host { get; init; }

    /// <summary>Its process id on <see cref="Host"/>.</summary>
    public required int ProcessId { get; init; }

    /// <summary>The Slurm job it ran in (SLURM_JOB_ID), if any.</summary>
    public string? SlurmJob { get; init; }

    /// <summary>Slurm's restart count of that job (SLURM_RESTART_COUNT): above 0 after a requeue.</summary>
    public int? SlurmRestartCount { get; init; }

    /// <summary>The log the executor wrote its output to, if it said (PEAKD_SWEEP_LOG).</summary>
    public string? Log { get; init; }

    /// <summary>Why it stopped or failed, in one line.</summary>
    public string? Message { get; init; }

    /// <summary>Its properties and their values.</summary>
    public override string ToString() => RecordText.Of(this);

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>The attempts recorded in <paramref name="folder"/> (attempts/ID), by number.</summary>
    internal static int Count(string folder) => Directory.Exists(folder) ? Directory.EnumerateFiles(folder, "*.json").Count() : 0;

    /// <summary>Records the start of a new attempt in <paramref name="folder"/>: its number is the first free one,
    /// claimed by creating N.json exclusively (two executors starting the same cell get different numbers; the run
    /// folder's lock then lets only one of them train).</summary>
    internal static SweepAttempt Start(string folder)
    {
        Directory.CreateDirectory(folder);
        for (int number = Count(folder) + 1; ; number++)
        {
            try
            {
                using (new FileStream(Path.Combine(folder, $"{number}.json"), FileMode.CreateNew, FileAccess.Write)) { }
            }
            catch (IOException) when (File.Exists(Path.Combine(folder, $"{number}.json")))
            {
                continue;
            }
            var attempt = new SweepAttempt
            {
                Number = number,
                Outcome = SweepAttemptOutcome.Running,
                StartedUtc = DateTimeOffset.UtcNow,
                Host = Environment.MachineName,
                ProcessId = Environment.ProcessId,
                SlurmJob = Variable("SLURM_ARRAY_JOB_ID") is string array ? $"{array}_{Variable("SLURM_ARRAY_TASK_ID")}" : Variable("SLURM_JOB_ID"),
                SlurmRestartCount = int.TryParse(Variable("SLURM_RESTART_COUNT"), out int restarts) ? restarts : null,
                Log = Variable("PEAKD_SWEEP_LOG"),
            };
            attempt.Write(folder);
            return attempt;
        }
    }

    /// <summary>Records how the attempt ended.</summary>
    internal SweepAttempt End(string folder, SweepAttemptOutcome outcome, string? message)
    {
        SweepAttempt ended = this with { Outcome = outcome, EndedUtc = DateTimeOffset.UtcNow, Message = message };
        ended.Write(folder);
        return ended;
    }

    private void Write(string folder) => AtomicFile.WriteAllText(Path.Combine(folder, $"{Number}.json"), JsonSerializer.Serialize(this, Json) + "\n");

    /// <summary>Every attempt recorded in <paramref name="folder"/>, by number; one whose file is still empty (claimed
    /// a moment ago) or unreadable is left out.</summary>
    internal static IReadOnlyList<SweepAttempt> ReadAll(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return [];
        }
        var attempts = new List<SweepAttempt>();
        foreach (string file in Directory.EnumerateFiles(folder, "*.json"))
        {
            try
            {
                JsonObject json = JsonFile.ReadObject(file);
                attempts.Add(JsonFile.Deserialize<SweepAttempt>(json, file, Json));
            }
            catch (CorruptFileException)
            {
                // an empty claim, or a file damaged outside PeaKd: status reports what the others say
            }
        }
        return attempts.OrderBy(a => a.Number).ToArray();
    }

    private static string? Variable(string variable) => Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? value : null;
}
