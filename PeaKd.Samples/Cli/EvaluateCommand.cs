using System.CommandLine;
using PeaKd.Data;
using PeaKd.Devices;
using PeaKd.Distillation;
using PeaKd.Modeling;
using PeaKd.Samples.Students;
using PeaKd.Students;
using TorchSharp;

namespace PeaKd.Samples.Cli;

/// <summary><c>peakd evaluate</c>: the task's metrics of a teacher, a student or an export on dev or test.</summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var model = new Option<string>("--model") { Description = "A model folder: a teacher, a student (student/ of a run) or an export.", Required = true };
        var split = new Option<string>("--split") { Description = "dev or test.", DefaultValueFactory = _ => "dev" };
        var predictions = new Option<string?>("--predictions") { Description = "Write the predictions to this TSV file." };
        var command = new Command("evaluate", "Evaluate a model on a task's dev or test split.");
        CommonOptions.Add(command, [.. common.TaskOptions, model, split, predictions, common.MaxLength, common.Device, common.Precision]);
        command.SetAction(parse => CommandRunner.Run("evaluate", () =>
        {
            common.Validate(parse, training: false);
            CommonOptions.Require(parse.GetValue(split) is "dev" or "test" or "dev_mismatched" or "test_mismatched",
                $"--split '{parse.GetValue(split)}' is not known; use dev or test (MNLI: dev_mismatched, test_mismatched).");
            string folder = parse.GetValue(model)!;
            TaskData data = TaskData.Load(common.ResolveTask(parse), parse.GetValue(common.Data)!, folder, parse.GetValue(common.MaxLength));
            string name = parse.GetValue(split)!;
            if (!data.Splits.ContainsKey(name))
            {
                throw new ArgumentException($"{parse.GetValue(common.Data)}: no {name} split to evaluate.");
            }
            torch.Device device = DeviceSelector.Resolve(parse.GetValue(common.Device)!);
            using BertClassifier loaded = StudentFolder.Load(folder, StudentCatalog.Find);
            if (!data.Task.IsRegression && !loaded.Config.Labels.SequenceEqual(data.Labels))
            {
                throw new ArgumentException($"{folder}: the model's labels ({string.Join(", ", loaded.Config.Labels)}) are not the task's ({string.Join(", ", data.Labels)}).");
            }
            loaded.to(device);
            loaded.Precision = common.ResolvePrecision(parse, device);
            IReadOnlyDictionary<string, double> metrics = Evaluator.Evaluate(loaded, data, name, device, 64, parse.GetValue(predictions))
                ?? throw new ArgumentException($"The {name} split has no labels; only predictions can be written (--predictions).");
            Console.WriteLine($"{name}: {string.Join(", ", metrics.Select(m => $"{m.Key} {m.Value:F4}"))}");
        }));
        return command;
    }
}
