using System.Globalization;

namespace PeaKd.Slurm;

/// <summary>
/// Reads what Slurm's tools print, in the formats <see cref="SlurmCluster"/> asks them for: sbatch's parsable job id,
/// squeue and sacct lines of fields separated by '|', and scontrol's "Name = Value" configuration.
/// </summary>
internal static class SlurmText
{
    /// <summary>The largest array task index Slurm allows (MaxArraySize is at most 4000001).</summary>
    private const int MaxTaskIndex = 4_000_000;

    /// <summary>The job id in sbatch's parsable answer: "123", or "123;cluster" on a federated or multi-cluster setup.</summary>
    public static string SubmittedJobId(string output)
    {
        string line = output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "";
        string id = line.Split(';')[0];
        if (id.Length == 0 || !id.All(char.IsAsciiDigit))
        {
            throw new SlurmException("sbatch", $"Slurm's sbatch answered '{line}', not a job id.");
        }
        return id;
    }

    /// <summary>squeue's lines in the format %i|%T|%r: one state per job or array task, pending ranges (123_[5-9%2])
    /// expanded into their tasks.</summary>
    public static IReadOnlyList<SlurmJobState> Queue(string output) => Fields(output, "squeue", 3)
        .SelectMany(f => Expand(f[0], f[1], f[2], "squeue"))
        .ToList();

    /// <summary>sacct's lines in the format JobID|State|ExitCode (parsable, allocations only): one state per job or
    /// array task; the reason is the exit code (code:signal). Job steps (123.batch) are skipped.</summary>
    public static IReadOnlyList<SlurmJobState> Accounting(string output) => Fields(output, "sacct", 3)
        .Where(f => !f[0].Contains('.'))
        // "CANCELLED by 1000": the state is the first word
        .SelectMany(f => Expand(f[0], f[1].Split(' ')[0], f[2], "sacct"))
        .ToList();

    /// <summary>MaxArraySize and MaxJobCount from scontrol show config; Slurm's defaults for one it does not print.</summary>
    public static SlurmLimits Limits(string output)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in output.Split('\n'))
        {
            int equals = line.IndexOf('=');
            if (equals > 0)
            {
                values[line[..equals].Trim()] = line[(equals + 1)..].Trim();
            }
        }
        int Read(string name, int fallback)
        {
            if (!values.TryGetValue(name, out string? text))
            {
                return fallback;
            }
            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value)
                ? value
                : throw new SlurmException("scontrol", $"Slurm's scontrol show config gives {name} = '{text}', not a number.");
        }
        return new SlurmLimits(Read("MaxArraySize", SlurmLimits.Defaults.MaxArraySize), Read("MaxJobCount", SlurmLimits.Defaults.MaxJobCount));
    }

    /// <summary>The tasks an array id names: 123_4, or a pending range 123_[1,3,5-7] with an optional %K throttle.</summary>
    public static IEnumerable<SlurmJobState> Expand(string id, string state, string reason, string tool)
    {
        int underscore = id.IndexOf('_');
        if (underscore < 0)
        {
            return [new SlurmJobState(id, null, state, reason)];
        }
        string job = id[..underscore];
        string tasks = id[(underscore + 1)..];
        if (!tasks.StartsWith('['))
        {
            return [new SlurmJobState(job, Index(tasks, id, tool), state, reason)];
        }
        if (!tasks.EndsWith(']'))
        {
            throw Unreadable(tool, id);
        }
        string list = tasks[1..^1].Split('%')[0];
        return list.Split(',').SelectMany(part => Range(part, id, tool)).Select(task => new SlurmJobState(job, task, state, reason));
    }

    private static IEnumerable<int> Range(string part, string id, string tool)
    {
        string[] ends = part.Split('-');
        if (ends.Length > 2)
        {
            throw Unreadable(tool, id);
        }
        int first = Index(ends[0], id, tool);
        int last = ends.Length == 2 ? Index(ends[1], id, tool) : first;
        if (last < first)
        {
            throw Unreadable(tool, id);
        }
        return Enumerable.Range(first, last - first + 1);
    }

    private static int Index(string text, string id, string tool) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int index) && index <= MaxTaskIndex
            ? index
            : throw Unreadable(tool, id);

    private static IEnumerable<string[]> Fields(string output, string tool, int count)
    {
        foreach (string raw in output.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }
            string[] fields = line.Split('|');
            if (fields.Length < count)
            {
                throw new SlurmException(tool, $"Slurm's {tool} printed '{line}', not {count} fields separated by '|'.");
            }
            yield return fields.Select(f => f.Trim()).ToArray();
        }
    }

    private static SlurmException Unreadable(string tool, string id) =>
        new(tool, $"Slurm's {tool} printed the job id '{id}', which is not a job (123), an array task (123_4) or a range of tasks (123_[5-9]).");
}
