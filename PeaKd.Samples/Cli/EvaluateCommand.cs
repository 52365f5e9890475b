using System.CommandLine;
using PeaKd.Data.Metrics;
using PeaKd.Devices;
using PeaKd.Inference;
using PeaKd.Precision;

namespace PeaKd.Samples.Cli;

/// <summary><c>peakd evaluate</c>: the task's metrics of a teacher, a student or an export on dev or test.</summary>
internal static class EvaluateCommand
{
    private const string Options = nameof(TextClassifierOptions);

    private static readonly FlagNames Flags = new(
    [
        ($"{Options}.Device", "--device"),
        ($"{Options}.Precision", "--precision"),
        ($"{Options}.MaxLength", "--max-length"),
        ("data.Task.PositiveLabel", "--positive-label"),
    ]);

    public static Command Create()
    {
        var common = new CommonOptions();
        var model = new Option<string>("--model") { Description = "A model folder: a teacher, a student (student/ of a run), a run folder or an export.", Required = true };
        var split = new Option<string>("--split") { Description = "dev or test.", DefaultValueFactory = _ => "dev" };
        var predictions = new Option<string?>("--predictions") { Description = "Write the predictions to this TSV file (whole or not at all; never into the model or over a data file)." };
        var maxLength = new Option<int?>("--max-length") { Description = "Tokens per example (default: the length the model was trained with)." };
        var command = new Command("evaluate", "Evaluate a model on a task's dev or test split.");
        CommonOptions.Add(command, [.. common.TaskOptions, model, split, predictions, maxLength, common.Device, common.Precision]);
        command.SetAction(parse => CommandRunner.Run("evaluate", Flags, () =>
        {
            string name = parse.GetValue(split)!;
            CommonOptions.Require(name is "dev" or "test" or "dev_mismatched" or "test_mismatched",
                $"--split '{name}' is not known; use dev or test (MNLI: dev_mismatched, test_mismatched).");
            var options = new TextClassifierOptions
            {
                Device = common.DeviceChoice(parse),
                Precision = common.PrecisionChoice(parse),
                MaxLength = parse.GetValue(maxLength),
            };
            var data = common.DataSource(parse);
            if (parse.GetValue(predictions) is string predictionsFile)
            {
                // the runtime writes it atomically; here it must not land in the model or over the data it scores
                string folder = parse.GetValue(common.Data)!;
                OutputFile.CheckNotOverInputs("--predictions", predictionsFile, "--model", parse.GetValue(model)!,
                    data.Task.SplitFiles.Values.Distinct().Select(file => ("--data", Path.Combine(folder, file))).ToArray());
            }
            using TextClassifier classifier = TextClassifier.Load(parse.GetValue(model)!, options);
            if (classifier.Engine == "TorchSharp")
            {
                (ComputePrecision precision, string reason) = PrecisionSelector.Resolve(options.Precision, DeviceSelector.Resolve(options.Device));
                Console.Error.WriteLine($"precision: {PrecisionSelector.Name(precision)} ({reason})"); // a log line: stdout keeps the results
            }
            else
            {
                Console.Error.WriteLine($"engine: {classifier.Engine} on the CPU, as exported"); // an ONNX export: no libtorch touched
            }
            EvaluationReport report = classifier.Evaluate(data, name, parse.GetValue(predictions));
            SplitMetrics metrics = report.Metrics
                ?? throw new ArgumentException($"The {name} split has no labels; only predictions can be written (--predictions).");
            Console.WriteLine($"{name}: {string.Join(", ", metrics.ByName.Select(m => $"{m.Key} {m.Value:F4}"))}{(report.PositiveLabel is string positive && metrics.F1 is not null ? $" (f1 of '{positive}')" : "")}");
            CommonOptions.Warn(report.Warnings);
        }));
        return command;
    }
}
