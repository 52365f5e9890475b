using System.Diagnostics;

namespace PeaKd.Tests.Infrastructure;

/// <summary>The peakd CLI as a separate process (the build copies peakd.dll beside the tests): what a kill test
/// kills, since a SIGKILL must not take the test host with it.</summary>
internal static class PeakdProcess
{
    /// <summary>The exit code of a process ended by SIGKILL (128 + 9).</summary>
    public const int Killed = 137;

    public static string Dll => Path.Combine(AppContext.BaseDirectory, "peakd.dll");

    public static (int Exit, string Output) Run(string[] arguments, IReadOnlyDictionary<string, string>? environment = null) =>
        DotnetCli.Run(AppContext.BaseDirectory, TimeSpan.FromMinutes(5), environment, [Dll, .. arguments]);

    public static Process Start(string[] arguments) => DotnetCli.Start(AppContext.BaseDirectory, null, [Dll, .. arguments]);
}
