using System.CommandLine;
using PeaKd.Data.Tasks;
using PeaKd.Devices;
using PeaKd.Precision;
using TorchSharp;
using PeaKd.Training;

namespace PeaKd.Samples.Cli;

/// <summary>Options several commands share, with their validation.</summary>
internal sealed class CommonOptions
{
    public Option<string> Task { get; } = new("--task") { Description = $"The task: {string.Join(", ", TaskRegistry.Names)} (case and punctuation ignored).", Required = true };
    public Option<string> Data { get; } = new("--data") { Description = "The folder with train.tsv, dev.tsv (and test.tsv).", Required = true };
    public Option<string> TextColumn { get; } = new("--text-column") { Description = "tsv task: the text column.", DefaultValueFactory = _ => "text" };
    public Option<string?> PairColumn { get; } = new("--text-pair-column") { Description = "tsv task: the second text column (default text_b when present)." };
    public Option<string> LabelColumn { get; } = new("--label-column") { Description = "tsv task: the label column.", DefaultValueFactory = _ => "label" };
    public Option<int> Epochs { get; } = new("--epochs") { Description = "Training epochs.", DefaultValueFactory = _ => 4 };
    public Option<int> BatchSize { get; } = new("--batch-size") { Description = "Examples per step.", DefaultValueFactory = _ => 32 };
    public Option<double> LearningRate { get; } = new("--lr") { Description = "Peak learning rate (linear warmup 10%, then linear decay).", DefaultValueFactory = _ => 2e-5 };
    public Option<int> MaxLength { get; } = new("--max-length") { Description = "Tokens per example, special tokens included.", DefaultValueFactory = _ => 128 };
    public Option<int> Seed { get; } = new("--seed") { Description = "Seed of the data order, dropout and fresh weights.", DefaultValueFactory = _ => 42 };
    public Option<string> Device { get; } = new("--device") { Description = "auto (CUDA when available), cpu or cuda.", DefaultValueFactory = _ => "auto" };
    public Option<string> Precision { get; } = new("--precision") { Description = "fp32, bf16 (matrix products in bfloat16, fp32 master weights) or auto (bf16 where the CPU or GPU accelerates it).", DefaultValueFactory = _ => "fp32" };
    public Option<int?> LimitTrain { get; } = new("--limit-train") { Description = "Use only the first N training rows (quick runs)." };
    public Option<bool> Resume { get; } = new("--resume") { Description = "Continue an interrupted run in --out with the same options." };

    public IEnumerable<Option> TaskOptions => [Task, Data, TextColumn, PairColumn, LabelColumn];
    public IEnumerable<Option> TrainingOptions => [Epochs, BatchSize, LearningRate, MaxLength, Seed, Device, Precision, LimitTrain, Resume];

    /// <summary>Checks values that System.CommandLine cannot (ranges, names); throws naming the option.
    /// Runs in the command's action, where option defaults are applied.</summary>
    public void Validate(ParseResult parse, bool training)
    {
        TaskRegistry.Resolve(parse.GetValue(Task)!);
        string device = parse.GetValue(Device)!;
        Require(DeviceSelector.Choices.Contains(device.ToLowerInvariant()), $"--device '{device}' is not known; use one of {string.Join(", ", DeviceSelector.Choices)}.");
        string precision = parse.GetValue(Precision)!;
        Require(PrecisionSelector.Choices.Contains(precision.ToLowerInvariant()), $"--precision '{precision}' is not known; use one of {string.Join(", ", PrecisionSelector.Choices)}.");
        Require(parse.GetValue(MaxLength) is >= 8 and <= 4096, "--max-length must be between 8 and 4096.");
        if (!training)
        {
            return;
        }
        Require(parse.GetValue(Epochs) >= 1, "--epochs must be at least 1.");
        Require(parse.GetValue(BatchSize) >= 1, "--batch-size must be at least 1.");
        Require(parse.GetValue(LearningRate) > 0, "--lr must be positive.");
        Require(parse.GetValue(LimitTrain) is null or >= 1, "--limit-train must be at least 1.");
    }

    /// <summary>The resolved --precision for <paramref name="device"/>, printed (to stderr) once so every run's log says it.</summary>
    public ComputePrecision ResolvePrecision(ParseResult parse, torch.Device device)
    {
        (ComputePrecision precision, string reason) = PrecisionSelector.Resolve(parse.GetValue(Precision)!, device);
        Console.Error.WriteLine($"precision: {PrecisionSelector.Name(precision)} ({reason})"); // a log line: stdout keeps the results
        return precision;
    }

    public static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }

    public TaskDefinition ResolveTask(ParseResult parse)
    {
        TaskDefinition task = TaskRegistry.Resolve(parse.GetValue(Task)!);
        return task.Name == "tsv" ? TaskRegistry.Tsv(parse.GetValue(TextColumn)!, parse.GetValue(PairColumn), parse.GetValue(LabelColumn)!) : task;
    }

    public TrainingOptions Training(ParseResult parse) => new()
    {
        Epochs = parse.GetValue(Epochs),
        BatchSize = parse.GetValue(BatchSize),
        LearningRate = parse.GetValue(LearningRate),
        Seed = parse.GetValue(Seed),
    };

    public static void Add(Command command, IEnumerable<Option> options)
    {
        foreach (Option option in options)
        {
            command.Options.Add(option);
        }
    }
}
