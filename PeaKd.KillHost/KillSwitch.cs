using System.Diagnostics;
using System.IO.Enumeration;
using PeaKd.IO;

namespace PeaKd.KillHost;

/// <summary>
/// Makes kill tests deterministic: PEAKD_TEST_KILL_AT="PATTERN:MOMENT[:N]" kills this process with SIGKILL at the N-th
/// write (default 1) of a file whose name matches PATTERN (wildcards * and ?), at MOMENT: <c>mid</c> (half of the bytes
/// written: a partial temporary file, or half a metrics line) or <c>after</c> (the file is complete and in place).
/// Example: <c>checkpoint-*.safetensors:mid:2</c>.
/// </summary>
internal sealed class KillSwitch(string pattern, string moment, int count) : WriteInterceptor
{
    public const string Variable = "PEAKD_TEST_KILL_AT";

    private int _seen;

    /// <summary>The switch the environment asks for, or null when the variable is unset.</summary>
    public static KillSwitch? FromEnvironment()
    {
        string? value = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        string[] parts = value.Split(':');
        if (parts.Length is < 2 or > 3 || parts[1] is not ("mid" or "after") || (parts.Length == 3 && !int.TryParse(parts[2], out _)))
        {
            throw new ArgumentException($"{Variable}='{value}' is not PATTERN:mid|after[:N].");
        }
        return new KillSwitch(parts[0], parts[1], parts.Length == 3 ? int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture) : 1);
    }

    public override bool StopsMidway(string fileName) => Fires(fileName, "mid");

    public override void Midway(string fileName) => Kill(fileName, "mid");

    public override void Written(string fileName)
    {
        if (Fires(fileName, "after"))
        {
            Kill(fileName, "after");
        }
    }

    private bool Fires(string fileName, string at) =>
        at == moment && FileSystemName.MatchesSimpleExpression(pattern, fileName) && Interlocked.Increment(ref _seen) == count;

    /// <summary>Dies as a SIGKILL would: no finally blocks, no flushing, no cleanup.</summary>
    private static void Kill(string fileName, string at)
    {
        Console.Error.WriteLine($"{Variable}: killing the process at {at} of {fileName}");
        Process.GetCurrentProcess().Kill(); // SIGKILL on Linux
        Thread.Sleep(Timeout.Infinite);
    }
}
