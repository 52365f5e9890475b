using System.CommandLine;
using System.Text.Json.Nodes;
using PeaKd.Checkpoints;
using PeaKd.Data;
using PeaKd.Devices;
using PeaKd.Precision;
using PeaKd.Distillation;
using PeaKd.Modeling;
using PeaKd.Runs;
using PeaKd.Training;
using TorchSharp;

namespace PeaKd.Samples.Cli;

/// <summary><c>peakd finetune</c>: fine-tunes a pretrained BERT folder into a teacher for the task.</summary>
internal static class FinetuneCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var model = new Option<string>("--model") { Description = "A pretrained model folder (e.g. from peakd import).", Required = true };
        var output = new Option<string>("--out") { Description = "The teacher folder to write (a Hugging Face folder plus the run's logs).", Required = true };
        var command = new Command("finetune", "Fine-tune a teacher on a task (AdamW, warmup, best dev checkpoint kept).");
        CommonOptions.Add(command, [.. common.TaskOptions, model, output, .. common.TrainingOptions]);
        command.SetAction(parse => CommandRunner.Run("finetune", () =>
        {
            common.Validate(parse, training: true);
            var run = new RunFolder(parse.GetValue(output)!);
            TaskData data = TaskData.Load(common.ResolveTask(parse), parse.GetValue(common.Data)!, parse.GetValue(model)!,
                parse.GetValue(common.MaxLength), parse.GetValue(common.LimitTrain), run.FeatureCacheFolder);
            torch.Device device = DeviceSelector.Resolve(parse.GetValue(common.Device)!);
            torch.manual_seed(parse.GetValue(common.Seed));
            using LoadedCheckpoint pretrained = HfCheckpoint.Load(parse.GetValue(model)!);
            using BertClassifier teacher = TeacherFineTuner.ForTask(pretrained, data);
            teacher.to(device);
            teacher.Precision = common.ResolvePrecision(parse, device);
            TrainingOptions options = common.Training(parse);
            run.SaveOptions(new JsonObject
            {
                ["command"] = "finetune", ["task"] = data.Task.Name, ["data"] = Path.GetFullPath(parse.GetValue(common.Data)!),
                ["model"] = Path.GetFullPath(parse.GetValue(model)!), ["training"] = System.Text.Json.JsonSerializer.SerializeToNode(options),
                ["max_length"] = data.MaxLength, ["limit_train"] = parse.GetValue(common.LimitTrain),
                ["precision"] = PrecisionSelector.Name(teacher.Precision),
            }, parse.GetValue(common.Resume));
            TrainingResult result = TeacherFineTuner.Run(teacher, data, options, run, run.Root, device, ConsoleProgress.Create(), parse.GetValue(common.Resume));
            var metrics = new JsonObject();
            foreach (string split in data.Splits.Keys.Where(s => s != "train"))
            {
                if (Evaluator.Evaluate(teacher, data, split, device, options.EvalBatchSize, run.Predictions(split)) is { } scores)
                {
                    metrics[split] = new JsonObject(scores.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)s.Value)));
                }
            }
            run.WriteSummary(new JsonObject
            {
                ["task"] = data.Task.Name, ["model"] = "teacher", ["layers"] = teacher.Config.NumHiddenLayers,
                ["parameters"] = ParameterCount.Backbone(teacher.Config, teacher.Config.NumHiddenLayers),
                ["effective_depth"] = teacher.Config.NumHiddenLayers, ["metrics"] = metrics,
                ["training_seconds"] = result.Seconds, ["examples_per_second"] = result.ExamplesPerSecond,
                ["precision"] = PrecisionSelector.Name(teacher.Precision),
            });
            Console.WriteLine($"teacher written to {run.Root}: {string.Join(", ", metrics.Select(m => $"{m.Key} {string.Join(" ", m.Value!.AsObject().Select(v => $"{v.Key} {v.Value!.GetValue<double>():F4}"))}"))}");
        }));
        return command;
    }
}
