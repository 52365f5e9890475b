using System.CommandLine;
using PeaKd.Data;
using PeaKd.Data.Tasks;
using PeaKd.Devices;
using PeaKd.Precision;
using PeaKd.Training;

namespace PeaKd.Samples.Cli;

/// <summary>Options several commands share, and how their text becomes the API's typed values.</summary>
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
    public Option<int> EvalEvery { get; } = new("--eval-every") { Description = "Steps between dev checks (the best is kept), besides each epoch's end; 0 for epoch ends only.", DefaultValueFactory = _ => 0 };
    public Option<string> SelectBy { get; } = new("--select-by") { Description = "Which dev check's weights are kept: metric (the task's main one) or loss (the lowest dev loss). PTP always keeps its lowest loss.", DefaultValueFactory = _ => "metric" };
    public Option<string> KeepCheckpoints { get; } = new("--keep-checkpoints") { Description = "What a finished stage keeps: best (its best weights; the resumable checkpoints are removed) or all.", DefaultValueFactory = _ => "best" };
    public Option<int?> LimitTrain { get; } = new("--limit-train") { Description = "Use only N training rows (quick runs): a stratified sample, each class in its share, with a fixed seed." };
    public Option<bool> Resume { get; } = new("--resume") { Description = "Continue an interrupted run in --out with the same options." };
    public Option<bool> Overwrite { get; } = new("--overwrite") { Description = "Delete the run already in --out (finished or not) and start again; without it (or --resume) such a folder is refused." };

    public Option<string?> PositiveLabel { get; } = new("--positive-label") { Description = "The class F1 scores (default: the label that sorts last: 1 over 0, yes over no; GLUE's 1)." };
    public IEnumerable<Option> TaskOptions => [Task, Data, TextColumn, PairColumn, LabelColumn, PositiveLabel];
    public IEnumerable<Option> TrainingOptions => [Epochs, BatchSize, LearningRate, EvalEvery, SelectBy, MaxLength, Seed, Device, Precision, LimitTrain, KeepCheckpoints, Resume, Overwrite];

    /// <summary>The flags of the options every command maps the same way, under the API's options type.</summary>
    public static IEnumerable<(string, string)> Flags(string options) =>
    [
        ($"{options}.Data.Task", "--task"),
        ($"{options}.Data.Task.Labelled.Text", "--text-column"),
        ($"{options}.Data.Task.Test.Text", "--text-column"),
        ($"{options}.Data.Task.Labelled.Label", "--label-column"),
        ($"{options}.Data.Task.PositiveLabel", "--positive-label"),
        ($"{options}.Data", "--data"),
        ($"{options}.MaxLength", "--max-length"),
        ($"{options}.LimitTrain", "--limit-train"),
        ($"{options}.Device", "--device"),
        ($"{options}.Precision", "--precision"),
        ($"{options}.Resume", "--resume"),
        ($"{options}.Overwrite", "--overwrite"),
        ($"{options}.KeepCheckpoints", "--keep-checkpoints"),
        ($"{options}.OutputFolder", "--out"),
    ];

    public DataSource DataSource(ParseResult parse)
    {
        TaskDefinition task = TaskRegistry.Resolve(parse.GetValue(Task)!);
        if (task.Name == "tsv")
        {
            task = TaskRegistry.Tsv(parse.GetValue(TextColumn)!, parse.GetValue(PairColumn), parse.GetValue(LabelColumn)!);
        }
        return PeaKd.Data.DataSource.Files(task with { PositiveLabel = parse.GetValue(PositiveLabel) }, parse.GetValue(Data)!);
    }

    /// <summary>Prints a result's warnings, one line each, to stderr (stdout keeps the results).</summary>
    public static void Warn(IEnumerable<string> warnings)
    {
        foreach (string warning in warnings)
        {
            Console.Error.WriteLine($"warning: {warning}");
        }
    }

    public DeviceChoice DeviceChoice(ParseResult parse) => ParseChoice<DeviceChoice>("--device", parse.GetValue(Device)!);

    public CheckpointRetention Retention(ParseResult parse) => ParseChoice<CheckpointRetention>("--keep-checkpoints", parse.GetValue(KeepCheckpoints)!);

    public PrecisionChoice PrecisionChoice(ParseResult parse) => ParseChoice<PrecisionChoice>("--precision", parse.GetValue(Precision)!);

    public TrainingOptions Training(ParseResult parse) => new()
    {
        Epochs = parse.GetValue(Epochs),
        BatchSize = parse.GetValue(BatchSize),
        LearningRate = parse.GetValue(LearningRate),
        Seed = parse.GetValue(Seed),
        EvalEvery = parse.GetValue(EvalEvery),
        SelectBy = ParseChoice<DevSelection>("--select-by", parse.GetValue(SelectBy)!),
    };

    /// <summary>An enum value from its name, case ignored; anything else is an error listing the names.</summary>
    public static T ParseChoice<T>(string flag, string value) where T : struct, Enum
    {
        string[] names = Enum.GetNames<T>();
        string? name = names.FirstOrDefault(n => string.Equals(n, value.Trim(), StringComparison.OrdinalIgnoreCase));
        return name is not null
            ? Enum.Parse<T>(name)
            : throw new ArgumentException($"{flag} '{value}' is not known; use one of {string.Join(", ", names.Select(n => n.ToLowerInvariant()))}.");
    }

    public static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }

    public static void Add(Command command, IEnumerable<Option> options)
    {
        foreach (Option option in options)
        {
            command.Options.Add(option);
        }
    }
}
