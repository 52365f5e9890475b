using System.CommandLine;
using PeaKd.Checkpoints;

namespace PeaKd.Samples.Cli;

/// <summary><c>peakd export</c>: a student as a standard BertForSequenceClassification folder, shared layers unrolled.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "A student folder (student/ of a distill run).", Required = true };
        var output = new Option<string>("--out") { Description = "The Hugging Face folder to write.", Required = true };
        var command = new Command("export", "Write a student as a plain Hugging Face BERT (SPS layers unrolled, Query and Key exchanged where shuffled).") { model, output };
        command.SetAction(parse => CommandRunner.Run("export", FlagNames.None, () =>
        {
            string folder = parse.GetValue(model)!;
            ExportedModel exported = ModelExport.ToHuggingFace(folder, parse.GetValue(output)!);
            Console.WriteLine($"exported {folder} to {parse.GetValue(output)}: {exported.Layers} layers, {exported.Parameters:N0} parameters as stored");
        }));
        return command;
    }
}
