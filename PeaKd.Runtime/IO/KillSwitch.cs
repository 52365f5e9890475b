using System.Diagnostics;
using System.IO.Enumeration;

namespace PeaKd;

/// <summary>
/// A test hook that makes kill tests deterministic: PEAKD_TEST_KILL_AT="PATTERN:MOMENT[:N]" kills this process with
/// SIGKILL at the N-th write (default 1) of a file whose name matches PATTERN (wildcards * and ?), at MOMENT:
/// <c>mid</c> (half of the bytes written: a partial temporary file, or half a metrics line) or <c>after</c> (the file
/// is complete and in place). Example: <c>checkpoint-*.safetensors:mid:2</c>. Unset, it does nothing.
/// </summary>
public static class KillSwitch
{
    public const string Variable = "PEAKD_TEST_KILL_AT";

    // Lazy: a malformed value is an ArgumentException at the first write, not a TypeInitializationException.
    private static readonly Lazy<(string Pattern, string Moment, int Count)?> Target = new(() => Parse(Environment.GetEnvironmentVariable(Variable)));
    private static int _seen;

    /// <summary>True when the write of <paramref name="fileName"/> at <paramref name="moment"/> is the one to die at.</summary>
    public static bool Fires(string fileName, string moment)
    {
        if (Target.Value is not { } target || target.Moment != moment || !FileSystemName.MatchesSimpleExpression(target.Pattern, fileName))
        {
            return false;
        }
        return Interlocked.Increment(ref _seen) == target.Count;
    }

    /// <summary>Dies as a SIGKILL would: no finally blocks, no flushing, no cleanup.</summary>
    public static void Kill(string fileName, string moment)
    {
        Console.Error.WriteLine($"{Variable}: killing the process at {moment} of {fileName}");
        Process.GetCurrentProcess().Kill(); // SIGKILL on Linux
        Thread.Sleep(Timeout.Infinite);
    }

    /// <summary>Kills the process if <paramref name="fileName"/> at <paramref name="moment"/> is the target.</summary>
    public static void At(string fileName, string moment)
    {
        if (Fires(fileName, moment))
        {
            Kill(fileName, moment);
        }
    }

    private static (string, string, int)? Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        string[] parts = value.Split(':');
        if (parts.Length is < 2 or > 3 || parts[1] is not ("mid" or "after") || (parts.Length == 3 && !int.TryParse(parts[2], out _)))
        {
            throw new ArgumentException($"{Variable}='{value}' is not PATTERN:mid|after[:N].");
        }
        return (parts[0], parts[1], parts.Length == 3 ? int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture) : 1);
    }
}
