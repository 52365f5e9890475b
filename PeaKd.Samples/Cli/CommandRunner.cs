using PeaKd.Checkpoints;
using PeaKd.Data;
using PeaKd.Modeling;
using PeaKd.Training;

namespace PeaKd.Samples.Cli;

/// <summary>Runs a command body: failures a user can fix print one line (no stack trace unless --verbose) and exit 1.</summary>
internal static class CommandRunner
{
    public static bool Verbose { get; set; }

    public static int Run(string command, Action body)
    {
        try
        {
            body();
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or InvalidConfigException
            or CheckpointMismatchException or DataFormatException or TrainingDivergedException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"peakd {command}: {e.Message}");
            if (Verbose)
            {
                Console.Error.WriteLine(e);
            }
            return 1;
        }
    }
}
