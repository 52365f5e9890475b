using System.Globalization;
using System.Text.RegularExpressions;
using PeaKd.Options;

namespace PeaKd.Slurm;

/// <summary>
/// How a sweep's jobs ask Slurm for resources, and how they survive time limits and preemption. Null values are left
/// to the cluster's defaults (its default partition, its default time limit, ...). <see cref="Validate()"/> refuses a
/// value Slurm would refuse, naming the property, before anything is submitted.
/// </summary>
public sealed partial record SlurmOptions
{
    private static readonly OptionPath Name = new(nameof(SlurmOptions));

    /// <summary>The partition (or a comma-separated list of partitions) to run in; null: the cluster's default.</summary>
    public string? Partition { get; init; }

    /// <summary>Each job's time limit, as Slurm writes it: minutes, minutes:seconds, hours:minutes:seconds,
    /// days-hours, days-hours:minutes or days-hours:minutes:seconds (<c>90</c>, <c>2:00:00</c>, <c>1-12</c>), or
    /// <c>UNLIMITED</c> where the partition allows it. Null: the partition's default.</summary>
    public string? Time { get; init; }

    /// <summary>CPU cores per cell; null: the cluster's default (usually 1). A cell's training uses them as threads.</summary>
    public int? CpusPerTask { get; init; }

    /// <summary>Memory per node, as Slurm writes it: a number of megabytes, or a number with K, M, G or T
    /// (<c>8G</c>); null: the cluster's default.</summary>
    public string? Memory { get; init; }

    /// <summary>Generic resources per node, such as <c>gpu:1</c> or <c>gpu:a100:1</c>; null: none.</summary>
    public string? Gres { get; init; }

    /// <summary>The account the jobs are charged to; null: the user's default account.</summary>
    public string? Account { get; init; }

    /// <summary>The most array tasks that run at once (Slurm's %K throttle); null: as many as the cluster allows.</summary>
    public int? ArrayThrottle { get; init; }

    /// <summary>Whether Slurm may requeue a job that was preempted or whose node failed, and whether a job stopped by
    /// its time limit requeues itself (at most <see cref="MaxTimeoutRequeues"/> times). A requeued cell resumes where
    /// it stopped.</summary>
    public bool Requeue { get; init; } = true;

    /// <summary>How many seconds before the time limit Slurm sends SIGTERM, so that a cell can stop after its current
    /// step with every file complete. Slurm may send it up to 60 seconds earlier than asked.</summary>
    public int SignalLeadSeconds { get; init; } = 120;

    /// <summary>How many times a job stopped by its time limit requeues itself (with <see cref="Requeue"/>); a job that
    /// needs more is left failed, for a resubmission with a longer <see cref="Time"/>.</summary>
    public int MaxTimeoutRequeues { get; init; } = 3;

    /// <summary>Throws <see cref="InvalidOptionException"/> naming the first property Slurm would refuse.</summary>
    public void Validate() => Validate(Name);

    /// <summary>As <see cref="Validate()"/>, with property names under <paramref name="path"/>.</summary>
    internal void Validate(OptionPath path)
    {
        Word(path / nameof(Partition), Partition, PartitionPattern(), "a partition name, or names separated by commas");
        if (Time is not null && TimeLimitSeconds(Time) is null)
        {
            throw new InvalidOptionException(path / nameof(Time),
                $"is '{Time}', which is not a Slurm time limit; write minutes (90), minutes:seconds, hours:minutes:seconds (2:00:00), days-hours (1-12), days-hours:minutes or days-hours:minutes:seconds.");
        }
        if (CpusPerTask is int cpus)
        {
            OptionCheck.AtLeast(path / nameof(CpusPerTask), cpus, 1);
        }
        Word(path / nameof(Memory), Memory, MemoryPattern(), "megabytes (4000) or a size with K, M, G or T (8G)");
        Word(path / nameof(Gres), Gres, GresPattern(), "generic resources such as gpu:1 or gpu:a100:1");
        Word(path / nameof(Account), Account, PartitionPattern(), "an account name");
        if (ArrayThrottle is int throttle)
        {
            OptionCheck.AtLeast(path / nameof(ArrayThrottle), throttle, 1);
        }
        OptionCheck.Between(path / nameof(SignalLeadSeconds), SignalLeadSeconds, 1, 65535);
        if (Time is not null && TimeLimitSeconds(Time) is long limit && SignalLeadSeconds >= limit)
        {
            throw new InvalidOptionException(path / nameof(SignalLeadSeconds),
                $"is {SignalLeadSeconds} s, not less than the time limit {path / nameof(Time)} = {Time} ({limit} s); a job would be told to stop as it starts. Give a smaller lead or a longer time.");
        }
        OptionCheck.AtLeast(path / nameof(MaxTimeoutRequeues), MaxTimeoutRequeues, 0);
    }

    /// <summary>A Slurm time limit in seconds (<see cref="long.MaxValue"/> for none: UNLIMITED, INFINITE or 0), or null
    /// when <paramref name="time"/> is not one Slurm accepts.</summary>
    internal static long? TimeLimitSeconds(string time)
    {
        if (time.Equals("UNLIMITED", StringComparison.OrdinalIgnoreCase) || time.Equals("INFINITE", StringComparison.OrdinalIgnoreCase))
        {
            return long.MaxValue;
        }
        Match match = TimePattern().Match(time);
        if (!match.Success)
        {
            return null;
        }
        long Part(string group) => match.Groups[group].Success ? long.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture) : 0;
        string[] clock = match.Groups["clock"].Value.Split(':');
        long[] parts = clock.Select(p => long.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        long seconds = match.Groups["days"].Success
            // days-hours[:minutes[:seconds]]
            ? parts[0] * 3600 + (parts.Length > 1 ? parts[1] * 60 : 0) + (parts.Length > 2 ? parts[2] : 0)
            // minutes, minutes:seconds, hours:minutes:seconds
            : parts.Length switch { 1 => parts[0] * 60, 2 => parts[0] * 60 + parts[1], _ => parts[0] * 3600 + parts[1] * 60 + parts[2] };
        seconds += Part("days") * 86400;
        return seconds > 0 ? seconds : long.MaxValue; // Slurm reads a limit of 0 as none
    }

    private static void Word(string property, string? value, Regex pattern, string what)
    {
        if (value is not null && !pattern.IsMatch(value))
        {
            throw new InvalidOptionException(property, $"is '{value}'; give {what} (no spaces or quotes).");
        }
    }

    [GeneratedRegex(@"^(?:(?<days>\d+)-)?(?<clock>\d+(?::\d+){0,2})$", RegexOptions.CultureInvariant)]
    private static partial Regex TimePattern();

    [GeneratedRegex(@"^[A-Za-z0-9_.\-]+(?:,[A-Za-z0-9_.\-]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex PartitionPattern();

    [GeneratedRegex(@"^\d+[KMGT]?$", RegexOptions.CultureInvariant)]
    private static partial Regex MemoryPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_.\-]+(?::[A-Za-z0-9_.\-]+)*(?:,[A-Za-z0-9_.\-]+(?::[A-Za-z0-9_.\-]+)*)*$", RegexOptions.CultureInvariant)]
    private static partial Regex GresPattern();

    /// <summary>Its properties and their values.</summary>
    public override string ToString() => RecordText.Of(this);
}
