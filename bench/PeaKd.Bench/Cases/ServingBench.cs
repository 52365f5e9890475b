using PeaKd.Checkpoints;
using PeaKd.Data.Tokenization;
using PeaKd.Inference;
using PeaKd.Modeling;
using PeaKd.Precision;
using PeaKd.Students;
using static TorchSharp.torch;

namespace PeaKd.Bench.Cases;

/// <summary>Serving a trained model: logits of fixed-shape batches (random tokens, no padding) through the engine a
/// <see cref="TextClassifier"/> uses, TorchSharp in fp32 or bf16, or ONNX Runtime on an export (fp32 or int8).</summary>
internal static class ServingBench
{
    public static void Run(string folder, string engine, int batch, int length, int steps, Measurement measurement)
    {
        ILogitSource source = engine switch
        {
            "torch-fp32" or "torch-bf16" => Torch(folder, engine == "torch-bf16"),
            "onnx" => new OnnxLogits(Path.Combine(folder, ModelExport.OnnxFileName), BertConfig.Load(Path.Combine(folder, HfCheckpoint.ConfigFileName))),
            _ => throw new ArgumentException($"--engine '{engine}' is not known; use torch-fp32, torch-bf16 or onnx."),
        };
        using (source)
        {
            var random = new Random(1);
            int vocabulary = source.Config.VocabSize;
            EncodedExample[] examples = Enumerable.Range(0, batch)
                .Select(_ => new EncodedExample(Enumerable.Range(0, length).Select(_ => random.Next(1000, vocabulary)).ToArray(), new int[length], null, null)).ToArray();
            measurement["engine"] = engine;
            measurement["model"] = Path.GetFileName(Path.GetFullPath(folder).TrimEnd('/'));
            measurement["batch"] = batch;
            measurement["length"] = length;
            measurement.TimeSteps(warmup: 3, steps, batch, _ => source.Logits(examples, paddingId: 0, batchSize: batch));
        }
    }

    private static ILogitSource Torch(string folder, bool bf16)
    {
        BertClassifier model = StudentFolder.Load(ModelFolder.Locate(folder));
        model.eval();
        model.Precision = bf16 ? ComputePrecision.Bf16 : ComputePrecision.Fp32;
        return new TorchLogits(model, CPU);
    }
}
