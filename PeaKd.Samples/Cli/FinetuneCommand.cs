using System.CommandLine;
using PeaKd.Distillation;

namespace PeaKd.Samples.Cli;

/// <summary><c>peakd finetune</c>: fine-tunes a pretrained BERT folder into a teacher for the task.</summary>
internal static class FinetuneCommand
{
    private const string Options = nameof(FineTuneOptions);

    private static readonly FlagNames Flags = new(
    [
        .. CommonOptions.Flags(Options),
        ($"{Options}.Teacher", "--model"),
        .. FlagNames.Training($"{Options}.Training"),
    ]);

    public static Command Create()
    {
        var common = new CommonOptions();
        var model = new Option<string>("--model") { Description = "A pretrained model folder (e.g. from peakd import).", Required = true };
        var output = new Option<string>("--out") { Description = "The teacher folder to write (a Hugging Face folder plus the run's logs).", Required = true };
        var command = new Command("finetune", "Fine-tune a teacher on a task (AdamW, warmup, best dev checkpoint kept).");
        CommonOptions.Add(command, [.. common.TaskOptions, model, output, .. common.TrainingOptions]);
        command.SetAction(parse => CommandRunner.Run("finetune", Flags, () =>
        {
            var options = new FineTuneOptions
            {
                Data = common.DataSource(parse),
                Teacher = parse.GetValue(model)!,
                OutputFolder = parse.GetValue(output)!,
                Training = common.Training(parse),
                MaxLength = parse.GetValue(common.MaxLength),
                LimitTrain = parse.GetValue(common.LimitTrain),
                Device = common.DeviceChoice(parse),
                Precision = common.PrecisionChoice(parse),
                Resume = parse.GetValue(common.Resume),
                Overwrite = parse.GetValue(common.Overwrite),
                KeepCheckpoints = common.Retention(parse),
            };
            FineTuneResult result = PeaKdPipeline.FineTune(options, ConsoleProgress.Create(), CommandRunner.Stopping);
            Console.WriteLine($"teacher written to {result.Folder}: {string.Join(", ", result.Metrics.Select(m => $"{m.Key} {string.Join(" ", m.Value.ByName.Select(v => $"{v.Key} {v.Value:F4}"))}"))}");
            CommonOptions.Warn(result.Warnings);
        }));
        return command;
    }
}
