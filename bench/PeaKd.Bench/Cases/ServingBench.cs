using System.Text.Json.Nodes;
using PeaKd.Checkpoints;
using PeaKd.Devices;
using PeaKd.Data.Tokenization;
using PeaKd.Export;
using PeaKd.Folders;
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
    /// <param name="logitsFile">Null, or a JSON file to write the batch's token ids and logits to, so that the PyTorch
    /// peer (bench/reference.py serving --expect) checks it computes the same model before it is timed.</param>
    public static void Run(string folder, string engine, int batch, int length, int steps, string? logitsFile, Measurement measurement)
    {
        ILogitSource source = engine switch
        {
            "torch-fp32" or "torch-bf16" => Torch(folder, engine == "torch-bf16"),
            "onnx" => new OnnxLogits(Path.Combine(folder, ModelExport.OnnxFileName), BertConfig.Load(Path.Combine(folder, ModelFiles.Config))),
            _ => throw new ArgumentException($"--engine '{engine}' is not known; use torch-fp32, torch-bf16 or onnx."),
        };
        using (source)
        {
            EncodedExample[] examples = ServingInputs.Random(source.Config.VocabSize, batch, length, seed: 1);
            measurement["engine"] = engine;
            measurement["model"] = Path.GetFileName(Path.GetFullPath(folder).TrimEnd('/'));
            measurement["batch"] = batch;
            measurement["length"] = length;
            measurement.TimeSteps(warmup: 3, steps, batch, _ => source.Logits(examples, paddingId: 0, batchSize: batch));
            if (logitsFile is not null)
            {
                var json = new JsonObject
                {
                    ["input_ids"] = new JsonArray(examples.Select(e => (JsonNode)new JsonArray(e.InputIds.Select(id => (JsonNode)id).ToArray())).ToArray()),
                    ["logits"] = new JsonArray(source.Logits(examples, paddingId: 0, batchSize: batch).Select(row => (JsonNode)new JsonArray(row.Select(v => (JsonNode)v).ToArray())).ToArray()),
                };
                File.WriteAllText(logitsFile, json.ToJsonString());
            }
        }
    }

    /// <summary>The ONNX Runtime fp32 export against TorchSharp fp32 on every text of a TSV file (a test split): the largest
    /// logit difference and the texts whose predicted class differs.</summary>
    public static void Agreement(string folder, string export, string textsFile, Measurement measurement)
    {
        IReadOnlyList<(string Text, string? Pair)> texts = TextClassifier.ReadTexts(textsFile);
        using TextClassifier torch = TextClassifier.Load(folder, new TextClassifierOptions { Device = DeviceChoice.Cpu, Precision = PrecisionChoice.Fp32 });
        using TextClassifier onnx = TextClassifier.Load(export, new TextClassifierOptions { MaxLength = torch.MaxLength });
        if (onnx.Engine == torch.Engine)
        {
            throw new ArgumentException($"{export} is not an ONNX export (it loads with {onnx.Engine}).");
        }
        float[][] expected = torch.Logits(texts), actual = onnx.Logits(texts);
        double largest = 0;
        int differing = 0;
        for (int i = 0; i < texts.Count; i++)
        {
            largest = Math.Max(largest, expected[i].Zip(actual[i], (a, b) => Math.Abs((double)a - b)).Max());
            differing += ArgMax(expected[i]) == ArgMax(actual[i]) ? 0 : 1;
        }
        measurement["model"] = Path.GetFileName(Path.GetFullPath(folder).TrimEnd('/'));
        measurement["export"] = Path.GetFileName(Path.GetFullPath(export).TrimEnd('/'));
        measurement["texts"] = texts.Count;
        measurement["max_length"] = torch.MaxLength;
        measurement["max_logit_difference"] = largest;
        measurement["differing_predictions"] = differing;
    }

    private static int ArgMax(float[] row) => Array.IndexOf(row, row.Max());

    private static ILogitSource Torch(string folder, bool bf16)
    {
        BertClassifier model = StudentFolder.Load(ModelFolder.Locate(folder));
        model.eval();
        model.Precision = bf16 ? ComputePrecision.Bf16 : ComputePrecision.Fp32;
        return new TorchLogits(model, CPU);
    }
}
