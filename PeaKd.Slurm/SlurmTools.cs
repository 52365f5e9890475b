using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace PeaKd.Slurm;

/// <summary>What a Slurm tool wrote and how it exited.</summary>
internal sealed record SlurmOutput(int ExitCode, string Output, string Error)
{
    /// <summary>The first non-blank line of the error output, or "" when there is none.</summary>
    public string FirstErrorLine =>
        Error.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "";
}

/// <summary>
/// Runs Slurm's tools as processes, with argument lists (never a shell command line), a time limit and bounded
/// output. Slurm's tools find the cluster as they always do: /etc/slurm/slurm.conf, or SLURM_CONF in the environment.
/// </summary>
/// <param name="folder">The folder holding the tools; null: found on PATH.</param>
/// <param name="timeout">How long a tool may run; squeue and sbatch answer in seconds when the controller is up.</param>
internal sealed class SlurmTools(string? folder = null, TimeSpan? timeout = null)
{
    /// <summary>The most characters read from a tool's output; squeue of one user's jobs stays far below it.</summary>
    public const int MaxOutputChars = 16 << 20;

    private const int MaxErrorChars = 64 << 10;

    private readonly TimeSpan _timeout = timeout ?? TimeSpan.FromMinutes(2);

    /// <summary>Runs <paramref name="tool"/> and returns its output whatever its exit code.</summary>
    /// <exception cref="SlurmException">The tool is not there, did not finish in time, or wrote too much.</exception>
    public SlurmOutput Run(string tool, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(folder is null ? tool : Path.Combine(folder, tool))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new Win32Exception($"{tool} did not start");
        }
        catch (Win32Exception e)
        {
            string where = folder is null ? "is not on PATH" : $"is not in {folder}";
            throw new SlurmException(tool,
                $"Slurm's {tool} {where}; run where Slurm's client tools are installed (a login node of the cluster), or install them (Debian: slurm-client), and set SLURM_CONF when the cluster's slurm.conf is not in /etc/slurm. ({e.Message})", e);
        }
        using (process)
        {
            process.StandardInput.Close();
            Task<(string Text, bool Whole)> output = ReadBounded(process.StandardOutput, MaxOutputChars);
            Task<(string Text, bool Whole)> error = ReadBounded(process.StandardError, MaxErrorChars);
            if (!process.WaitForExit(_timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new SlurmException(tool,
                    $"Slurm's {tool} did not answer within {_timeout.TotalSeconds:0} s; is the cluster's controller (slurmctld) up? Try `scontrol ping`.");
            }
            process.WaitForExit();
            if (!output.Result.Whole)
            {
                throw new SlurmException(tool, $"Slurm's {tool} wrote more than {MaxOutputChars:N0} characters; PeaKd reads no more.");
            }
            return new SlurmOutput(process.ExitCode, output.Result.Text, error.Result.Text);
        }
    }

    /// <summary>Runs <paramref name="tool"/> and returns its standard output.</summary>
    /// <exception cref="SlurmException">The tool could not run, or exited with an error: the message holds the first
    /// line of what it wrote to its error output.</exception>
    public string RunOrThrow(string tool, IReadOnlyList<string> arguments)
    {
        SlurmOutput result = Run(tool, arguments);
        if (result.ExitCode != 0)
        {
            throw Failed(tool, result);
        }
        return result.Output;
    }

    /// <summary>The error for a tool that exited with <paramref name="result"/>'s non-zero code.</summary>
    public static SlurmException Failed(string tool, SlurmOutput result)
    {
        string said = result.FirstErrorLine is { Length: > 0 } line ? $": {line}" : " and wrote no error";
        return new SlurmException(tool, $"Slurm's {tool} failed (exit code {result.ExitCode}){said}");
    }

    /// <summary>Reads a stream to its end, keeping at most <paramref name="maxChars"/> characters; Whole is false when
    /// it had more (the rest is read and dropped, so the tool never blocks on a full pipe).</summary>
    private static async Task<(string Text, bool Whole)> ReadBounded(StreamReader reader, int maxChars)
    {
        var text = new StringBuilder();
        var buffer = new char[8192];
        bool whole = true;
        int read;
        while ((read = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            int keep = Math.Min(read, maxChars - text.Length);
            text.Append(buffer, 0, keep);
            whole &= keep == read;
        }
        return (text.ToString(), whole);
    }
}
