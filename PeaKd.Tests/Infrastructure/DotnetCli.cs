using System.Diagnostics;

namespace PeaKd.Tests.Infrastructure;

/// <summary>Runs the dotnet CLI as a child process, with a clean MSBuild environment and a time limit.</summary>
internal static class DotnetCli
{
    public static (int ExitCode, string Output) Run(string workingDirectory, TimeSpan timeout, params string[] arguments) =>
        Run(workingDirectory, timeout, environment: null, arguments);

    /// <param name="environment">Variables to set for the child (e.g. PEAKD_TEST_KILL_AT).</param>
    public static (int ExitCode, string Output) Run(string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        using Process process = Start(workingDirectory, environment, arguments);
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', arguments)} did not finish in {timeout}.");
        }
        return (process.ExitCode, output.Result + error.Result);
    }

    /// <summary>Starts dotnet with redirected output; the caller waits for (or kills) it.</summary>
    /// <param name="defaultSignals">Start it with SIGINT's default disposition even when this process ignores SIGINT (a
    /// background job of a shell without job control does, and children inherit it): through a python3 exec, which
    /// keeps the process id (and resets the SIGPIPE and SIGXFSZ python ignores, which an exec would pass on).</param>
    public static Process Start(string workingDirectory, IReadOnlyDictionary<string, string>? environment, string[] arguments, bool defaultSignals = false)
    {
        ProcessStartInfo start = defaultSignals
            ? new("python3", ["-c", "import os, signal, sys\nfor s in (signal.SIGINT, signal.SIGPIPE, signal.SIGXFSZ): signal.signal(s, signal.SIG_DFL)\nos.execvp('dotnet', ['dotnet'] + sys.argv[1:])", .. arguments])
            : new("dotnet", arguments);
        start.WorkingDirectory = workingDirectory;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        // The test host runs under MSBuild/vstest; their variables must not leak into a separate build.
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        return Process.Start(start)!;
    }
}
