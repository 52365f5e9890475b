using System.CommandLine;
using PeaKd.Checkpoints;
using PeaKd.Checkpoints.Onnx;
using PeaKd.Data;
using PeaKd.Modeling;

namespace PeaKd.Samples.Cli;

/// <summary><c>peakd import</c>: turns an ONNX BERT (or a .dll that embeds one) or a Hugging Face folder into
/// a PeaKd teacher folder (config.json, model.safetensors, vocab.txt).</summary>
internal static class ImportCommand
{
    public static Command Create()
    {
        var onnx = new Option<string?>("--onnx") { Description = "A .onnx BERT encoder (vocab.txt beside it), or a .dll embedding model.onnx and vocab.txt." };
        var hf = new Option<string?>("--hf") { Description = "A Hugging Face folder (config.json, model.safetensors or pytorch_model.bin, vocab.txt)." };
        var output = new Option<string>("--out") { Description = "The folder to write.", Required = true };
        var heads = new Option<int?>("--heads") { Description = "Attention heads, when the ONNX graph does not show them." };
        var command = new Command("import", "Import a teacher from ONNX or a Hugging Face folder.") { onnx, hf, output, heads };
        command.Validators.Add(result =>
        {
            if ((result.GetValue(onnx) is null) == (result.GetValue(hf) is null))
            {
                result.AddError("Give exactly one of --onnx PATH or --hf DIR.");
            }
            if (result.GetValue(heads) is < 1)
            {
                result.AddError("--heads must be at least 1.");
            }
        });
        command.SetAction(parse =>
        {
            try
            {
                string outFolder = parse.GetValue(output)!;
                if (parse.GetValue(onnx) is string onnxPath)
                {
                    ImportedBert imported = OnnxBertImporter.Import(OnnxModelSource.Read(onnxPath), parse.GetValue(heads));
                    OnnxBertImporter.Save(imported, outFolder);
                    Report(imported.Config, outFolder, imported.Notes);
                }
                else
                {
                    string folder = parse.GetValue(hf)!;
                    using LoadedCheckpoint loaded = HfCheckpoint.Load(folder);
                    HfCheckpoint.Save(loaded.Model, outFolder, loaded.VocabFile, includeClassifier: !loaded.Report.FreshClassifier);
                    Report(loaded.Model.Config, outFolder, loaded.Report.Notes().ToList());
                }
                return 0;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or InvalidConfigException or CheckpointMismatchException or DataFormatException)
            {
                Console.Error.WriteLine($"peakd import: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static void Report(BertConfig config, string folder, IReadOnlyList<string> notes)
    {
        foreach (string note in notes)
        {
            Console.WriteLine($"note: {note}");
        }
        Console.WriteLine($"wrote {folder}: {config.NumHiddenLayers} layers, hidden {config.HiddenSize}, {config.NumAttentionHeads} heads, FFN {config.IntermediateSize}, vocabulary {config.VocabSize}, {ParameterCount.Backbone(config, config.NumHiddenLayers):N0} parameters");
    }
}
