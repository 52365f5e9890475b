using System.CommandLine;
using PeaKd.Checkpoints;
using PeaKd.Export;

namespace PeaKd.Samples.Cli;

/// <summary><c>peakd export</c>: a student (or any trained model) as a plain Hugging Face BERT folder, shared layers
/// unrolled, or as ONNX for ONNX Runtime and ML.NET, shared weights stored once, optionally int8.</summary>
internal static class ExportCommand
{
    private static readonly FlagNames Flags = new([("ModelExport's outputFolder", "--out"), ("ModelExport's overwrite", "--overwrite"), ("ModelExport.ToHuggingFace", "--format hf")]);

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "A run folder, a student folder (student/ of a distill run) or a fine-tuned model folder.", Required = true };
        var output = new Option<string>("--out") { Description = "The folder to write.", Required = true };
        var format = new Option<string>("--format") { Description = "hf (a Hugging Face BertForSequenceClassification folder) or onnx (model.onnx with config.json and the tokenizer files).", DefaultValueFactory = _ => "hf" };
        var quantize = new Option<string>("--quantize") { Description = "With --format onnx: none (fp32, standard ONNX) or int8 (ONNX Runtime's dynamic int8 scheme; runs in ONNX Runtime, directly or through ML.NET).", DefaultValueFactory = _ => "none" };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace an earlier export of the same format in --out (whole, only once the new one is complete)." };
        var command = new Command("export", "Write a trained model for serving: a plain Hugging Face BERT (SPS layers unrolled) or ONNX (shared weights stored once, fp32 or int8).")
        {
            model, output, format, quantize, overwrite,
        };
        command.SetAction(parse => CommandRunner.Run("export", Flags, () =>
        {
            string folder = parse.GetValue(model)!, target = parse.GetValue(output)!;
            string chosen = parse.GetValue(format)!.Trim().ToLowerInvariant();
            OnnxQuantization quantization = Quantization(parse.GetValue(quantize)!);
            ExportedModel exported = chosen switch
            {
                "hf" when quantization != OnnxQuantization.Fp32 => throw new ArgumentException("--quantize applies to --format onnx; a Hugging Face folder holds fp32 weights."),
                "hf" => ModelExport.ToHuggingFace(folder, target, parse.GetValue(overwrite)),
                "onnx" => ModelExport.ToOnnx(folder, target, quantization, parse.GetValue(overwrite)),
                _ => throw new ArgumentException($"--format '{parse.GetValue(format)}' is not known; use one of hf, onnx."),
            };
            string file = chosen == "onnx" ? $", {new FileInfo(Path.Combine(target, ModelExport.OnnxFileName)).Length / 1e6:F1} MB model.onnx{(quantization == OnnxQuantization.Int8 ? " (int8)" : "")}" : "";
            Console.WriteLine($"exported {folder} to {target}: {exported.Layers} layers, {exported.Parameters:N0} parameters as stored{file}");
        }));
        return command;
    }

    /// <summary>--quantize's values: none (fp32 weights) or int8, case ignored.</summary>
    private static OnnxQuantization Quantization(string value) => value.Trim().ToLowerInvariant() switch
    {
        "none" => OnnxQuantization.Fp32,
        "int8" => OnnxQuantization.Int8,
        _ => throw new ArgumentException($"--quantize '{value}' is not known; use one of none, int8."),
    };
}
