using PeaKd.Checkpoints;
using PeaKd.Data;
using PeaKd.Modeling;
using PeaKd.Training;

namespace PeaKd.Samples.Cli;

/// <summary>Runs a command body: failures a user can fix print one line (no stack trace unless --verbose) and exit 1.
/// The runtime's messages name API properties; <see cref="FlagNames"/> turns them into this command's flags.</summary>
internal static class CommandRunner
{
    public static bool Verbose { get; set; }

    public static int Run(string command, FlagNames flags, Action body)
    {
        try
        {
            body();
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or InvalidConfigException
            or CheckpointMismatchException or DataFormatException or TrainingDivergedException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"peakd {command}: {flags.Rewrite(e.Message)}");
            if (Verbose)
            {
                Console.Error.WriteLine(e);
            }
            return 1;
        }
    }
}

/// <summary>The API names a command's flags stand for: an options property (<c>PipelineOptions.Distillation.Epochs</c>)
/// or an API call (<c>PeaKdPipeline.FineTune</c>) and the flag or command a CLI user knows it by.</summary>
internal sealed class FlagNames
{
    private readonly (string Api, string Cli)[] _names;

    public FlagNames(IEnumerable<(string Api, string Cli)> names) =>
        _names = names.Concat(Shared).OrderByDescending(n => n.Api.Length).ToArray(); // longest first: Kd.Alpha before Kd

    /// <summary>Names every command's messages may mention.</summary>
    private static readonly (string Api, string Cli)[] Shared =
    [
        ("PeaKdPipeline.FineTune", "peakd finetune"),
        ("TrainingOptions.LearningRate", "--lr"),
        ("TeacherImport.FromOnnx's heads", "--heads"),
        ("Choose Cpu, or run on a machine with an NVIDIA GPU with the CUDA backend (the TorchSharp-cuda-linux package).",
            "Use --device cpu, or build with -p:TorchBackend=cuda on a machine with an NVIDIA GPU."),
    ];

    public static FlagNames None { get; } = new([]);

    /// <summary>The flags of a stage's training options under <paramref name="prefix"/>.</summary>
    public static IEnumerable<(string, string)> Training(string prefix, string epochs = "--epochs", string batchSize = "--batch-size", string learningRate = "--lr") =>
    [
        ($"{prefix}.Epochs", epochs),
        ($"{prefix}.BatchSize", batchSize),
        ($"{prefix}.LearningRate", learningRate),
        ($"{prefix}.Seed", "--seed"),
        ($"{prefix}.EvalEvery", "--eval-every"),
        ($"{prefix}.SelectBy", "--select-by"),
    ];

    public string Rewrite(string message)
    {
        foreach ((string api, string cli) in _names)
        {
            message = message.Replace(api, cli, StringComparison.Ordinal);
        }
        return message;
    }
}
