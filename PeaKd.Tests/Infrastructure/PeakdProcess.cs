using System.Diagnostics;

namespace PeaKd.Tests.Infrastructure;

/// <summary>The peakd CLI as a separate process (the build copies peakd.dll beside the tests): what a kill test
/// kills, since a SIGKILL must not take the test host with it.</summary>
internal static class PeakdProcess
{
    /// <summary>The exit code of a process ended by SIGKILL (128 + 9).</summary>
    public const int Killed = 137;

    /// <summary>The kill-test host's variable: PATTERN:mid|after[:N] (PeaKd.KillHost/KillSwitch.cs).</summary>
    public const string KillAt = "PEAKD_TEST_KILL_AT";

    public static string Dll => Path.Combine(AppContext.BaseDirectory, "peakd.dll");

    /// <summary>peakd with the kill hook installed; peakd itself has none.</summary>
    public static string KillHostDll => Path.Combine(AppContext.BaseDirectory, "PeaKd.KillHost.dll");

    public static (int Exit, string Output) Run(string[] arguments) =>
        DotnetCli.Run(AppContext.BaseDirectory, TimeSpan.FromMinutes(5), environment: null, [Dll, .. arguments]);

    /// <summary>Runs peakd in the kill-test host, which SIGKILLs itself at the write <paramref name="killAt"/> names.</summary>
    public static (int Exit, string Output) RunKilledAt(string killAt, string[] arguments) =>
        DotnetCli.Run(AppContext.BaseDirectory, TimeSpan.FromMinutes(5), new Dictionary<string, string> { [KillAt] = killAt }, [KillHostDll, .. arguments]);

    /// <param name="arguments">peakd's arguments.</param>
    /// <param name="defaultSignals">SIGINT at its default whatever this test process ignores (see <see cref="DotnetCli.Start"/>).</param>
    public static Process Start(string[] arguments, bool defaultSignals = false) => DotnetCli.Start(AppContext.BaseDirectory, null, [Dll, .. arguments], defaultSignals);
}
