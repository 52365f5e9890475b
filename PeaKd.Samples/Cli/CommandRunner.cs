using PeaKd.Checkpoints;
using PeaKd.Data;
using PeaKd.Modeling;
using System.Runtime.InteropServices;
using PeaKd.Training;

namespace PeaKd.Samples.Cli;

/// <summary>Runs a command body: failures a user can fix print one line (no stack trace unless --verbose) and exit 1.
/// The runtime's messages name API properties; <see cref="FlagNames"/> turns them into this command's flags.</summary>
internal static class CommandRunner
{
    public static bool Verbose { get; set; }

    /// <summary>Cancelled by the first SIGINT (Ctrl+C) or SIGTERM once a command asks for it (commands that train do):
    /// the run stops after its current step, every file it was writing complete, and the command exits 130 or 143
    /// saying where it stopped. A second signal ends the process (but one within 5 s of the first, as schedulers and a sweep's executor send, is the same stop); commands that never ask keep the default (they end).</summary>
    public static CancellationToken Stopping
    {
        get
        {
            lock (Signals)
            {
                _registrations ??= [PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop)];
            }
            return Signals.Token;
        }
    }

    private static readonly CancellationTokenSource Signals = new();
    private static PosixSignalRegistration[]? _registrations;
    private static int _signal;
    private static long _stoppedAt;

    /// <summary>The advice after a stop by a signal, for commands that resume with --resume.</summary>
    public const string ResumeAdvice = "Rerun the same command with --resume to continue.";

    /// <param name="command">The command's name in messages ("finetune").</param>
    /// <param name="flags">The API names its messages may hold, as the command's flags.</param>
    /// <param name="body">The command's work.</param>
    /// <param name="resumeAdvice">What to do after a stop by a signal.</param>
    public static int Run(string command, FlagNames flags, Action body, string resumeAdvice = ResumeAdvice)
    {
        try
        {
            body();
            return 0;
        }
        catch (OperationCanceledException e) when (_signal != 0)
        {
            string signal = _signal == 130 ? "SIGINT" : "SIGTERM";
            string where = e is TrainingStoppedException stopped
                ? $"stopped at step {stopped.Step} of {stopped.Stage} by {signal} (a resume continues from step {stopped.ResumesFrom})"
                : $"stopped by {signal} between training steps";
            Console.Error.WriteLine($"peakd {command}: {where}; every file is complete. {resumeAdvice}");
            return _signal;
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or InvalidConfigException
            or CheckpointMismatchException or DataFormatException or TrainingDivergedException or UnauthorizedAccessException
            or PeaKd.Slurm.SlurmException)
        {
            Console.Error.WriteLine($"peakd {command}: {flags.Rewrite(e.Message)}");
            if (Verbose)
            {
                Console.Error.WriteLine(e);
            }
            return 1;
        }
        catch (Exception e) when (EngineMessage(e) is string message)
        {
            Console.Error.WriteLine($"peakd {command}: {flags.Rewrite(message)}");
            if (Verbose)
            {
                Console.Error.WriteLine(e);
            }
            return 1;
        }
    }

    /// <summary>What to print for a failure inside an engine (ONNX Runtime, libtorch) or of memory: the first line of
    /// its message (libtorch appends a C++ stack to it) and what to do; null for anything else, which keeps its stack
    /// trace (a bug to report).</summary>
    internal static string? EngineMessage(Exception e)
    {
        string first = FirstLine(e.Message);
        const string SmallerBatch = "use a smaller --batch-size or --max-length, or a machine with more memory";
        return e switch
        {
            OutOfMemoryException => $"out of memory: the model or a batch is too large for this machine's memory; {SmallerBatch}.",
            ExternalException when first.Contains("out of memory", StringComparison.OrdinalIgnoreCase) =>
                $"{first}: the model or a batch is too large for the device's memory; {SmallerBatch} (or --device cpu).",
            Microsoft.ML.OnnxRuntime.OnnxRuntimeException =>
                $"ONNX Runtime failed: {first}. The model does not run as a PeaKd ONNX export does (inputs input_ids, attention_mask and token_type_ids, output logits); export it again with peakd export --format onnx.",
            ExternalException when first.Contains("index out of range", StringComparison.OrdinalIgnoreCase) =>
                $"libtorch failed: {first}. A token id or position lies past the model's embedding tables: is vocab.txt the model's own (no more tokens than its vocab_size)? Run with --verbose for the details.",
            ExternalException => $"libtorch failed: {first}. Run with --verbose for the details.",
            KeyNotFoundException => $"{first.TrimEnd('.')}. Run with --verbose for the details.",
            InvalidOperationException => first, // the runtime's are sentences for the user (a teacher record of other data)
            _ => null,
        };
    }

    /// <summary>A message's first line, trimmed: engines append native stack traces and notes after it.</summary>
    private static string FirstLine(string message)
    {
        string line = message.Split('\n', 2)[0].Trim();
        return line.Length == 0 ? "(no message)" : line;
    }

    private static void Stop(PosixSignalContext context)
    {
        if (_signal != 0)
        {
            // A scheduler's SIGTERM reaches every process of a job and its batch script forwards it once more; Ctrl+C
            // reaches a sweep's cells and their executor then sends SIGTERM: a second signal within seconds of the
            // first is the same stop. A later one ends the process.
            if (Environment.TickCount64 - _stoppedAt < 5_000)
            {
                context.Cancel = true;
            }
            return;
        }
        _stoppedAt = Environment.TickCount64;
        _signal = context.Signal == PosixSignal.SIGINT ? 130 : 143; // 128 + the signal's number, as shells report it
        context.Cancel = true;
        Signals.Cancel();
    }
}

/// <summary>The API names a command's flags stand for: an options property (<c>PipelineOptions.KdTraining.Epochs</c>)
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
        ("export the model again (ModelExport.ToOnnx)", "export the model again (peakd export --format onnx)"),
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

    /// <summary>The message with each whole API name as its flag (a name followed by more of a longer one, such as
    /// PipelineOptions.Data in PipelineOptions.Data.Task.Labelled, is left whole rather than half rewritten), and a
    /// "; "-separated part repeated once rewritten (two API names for one flag) said once.</summary>
    public string Rewrite(string message)
    {
        foreach ((string api, string cli) in _names)
        {
            message = System.Text.RegularExpressions.Regex.Replace(message, System.Text.RegularExpressions.Regex.Escape(api) + @"(?!\.?[A-Za-z0-9_])", cli.Replace("$", "$$", StringComparison.Ordinal));
        }
        // a list "a; b; a. Next sentence.": the repeated a goes, the sentence after it stays
        var parts = new List<string>();
        foreach (string part in message.Split("; "))
        {
            int end = part.IndexOf(". ", StringComparison.Ordinal);
            string head = end < 0 ? part : part[..end];
            if (parts.Any(p => p == head || p.StartsWith(head + ". ", StringComparison.Ordinal)))
            {
                parts[^1] += end < 0 ? "" : part[end..];
            }
            else
            {
                parts.Add(part);
            }
        }
        return string.Join("; ", parts);
    }
}
