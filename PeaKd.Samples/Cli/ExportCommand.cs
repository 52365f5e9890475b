using System.CommandLine;
using PeaKd.Checkpoints;
using PeaKd.Distillation;
using PeaKd.Modeling;
using PeaKd.Samples.Students;
using PeaKd.Students;

namespace PeaKd.Samples.Cli;

/// <summary><c>peakd export</c>: a student as a standard BertForSequenceClassification folder, shared layers unrolled.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "A student folder (student/ of a distill run).", Required = true };
        var output = new Option<string>("--out") { Description = "The Hugging Face folder to write.", Required = true };
        var command = new Command("export", "Write a student as a plain Hugging Face BERT (SPS layers unrolled, Query and Key exchanged where shuffled).") { model, output };
        command.SetAction(parse => CommandRunner.Run("export", () =>
        {
            string folder = parse.GetValue(model)!;
            using BertClassifier loaded = StudentFolder.Load(folder, StudentCatalog.Find);
            using BertClassifier plain = loaded is StudentModel student ? StudentFolder.Unroll(student) : loaded;
            string vocab = Path.Combine(folder, HfCheckpoint.VocabFileName);
            HfCheckpoint.Save(plain, parse.GetValue(output)!, File.Exists(vocab) ? vocab : null);
            TeacherFineTuner.CopyTokenizerConfig(folder, parse.GetValue(output)!);
            Console.WriteLine($"exported {folder} to {parse.GetValue(output)}: {plain.Config.NumHiddenLayers} layers, {ParameterCount.Backbone(plain.Config, plain.Config.NumHiddenLayers):N0} parameters as stored");
        }));
        return command;
    }
}
