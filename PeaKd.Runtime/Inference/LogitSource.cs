using Microsoft.ML.OnnxRuntime;
using PeaKd.Data.Tokenization;
using PeaKd.IO;
using PeaKd.Modeling;
using static TorchSharp.torch;

namespace PeaKd.Inference;

/// <summary>What computes a <see cref="TextClassifier"/>'s logits: the model in TorchSharp, or an ONNX export in ONNX
/// Runtime. Both take batches in data order and pad each to its longest text.</summary>
internal interface ILogitSource : IDisposable
{
    /// <summary>The model's config: its labels and problem type.</summary>
    BertConfig Config { get; }

    /// <summary>"TorchSharp" or "ONNX Runtime".</summary>
    string Engine { get; }

    /// <summary>fp32 logits for every example, in data order ([examples][labels]).</summary>
    float[][] Logits(IReadOnlyList<EncodedExample> features, int paddingId, int batchSize);
}

/// <summary>A model in TorchSharp, on its device, through the one evaluation loop.</summary>
internal sealed class TorchLogits(BertClassifier model, Device device) : ILogitSource
{
    public BertConfig Config => model.Config;
    public string Engine => "TorchSharp";

    public float[][] Logits(IReadOnlyList<EncodedExample> features, int paddingId, int batchSize) =>
        EvaluationLoop.Logits(model, features, paddingId, batchSize, device);

    public void Dispose() => model.Dispose();
}

/// <summary>An ONNX export in ONNX Runtime, on the CPU: no libtorch is touched.</summary>
internal sealed class OnnxLogits : ILogitSource
{
    private readonly InferenceSession _session;
    private readonly BertConfig _config;

    /// <param name="onnxFile">The export's model.onnx.</param>
    /// <param name="config">Its config.json.</param>
    /// <param name="threads">ONNX Runtime's intra-op threads (one inter-op thread then); null for its defaults.</param>
    public OnnxLogits(string onnxFile, BertConfig config, int? threads = null)
    {
        _config = config;
        using var options = new SessionOptions();
        if (threads is int count)
        {
            options.IntraOpNumThreads = count;
            options.InterOpNumThreads = 1;
        }
        try
        {
            _session = new InferenceSession(onnxFile, options);
        }
        catch (OnnxRuntimeException e)
        {
            // ONNX Runtime names neither the file nor what to do: a damaged, cut-short or foreign model.onnx lands here
            string reason = e.Message.Split('\n', 2)[0].Trim();
            throw new CorruptFileException(onnxFile, $"ONNX Runtime cannot load it ({reason}). The file is damaged, cut short or not an ONNX model; export the model again (ModelExport.ToOnnx).", inner: e);
        }
    }

    public BertConfig Config => _config;
    public string Engine => "ONNX Runtime";

    /// <summary>The width of the graph's logits output when the graph fixes it; null when it is dynamic or absent.</summary>
    public long? OutputWidth =>
        _session.OutputMetadata.TryGetValue("logits", out NodeMetadata? logits) && logits.Dimensions is [_, > 0 and var width] ? width : null;

    public float[][] Logits(IReadOnlyList<EncodedExample> features, int paddingId, int batchSize)
    {
        var logits = new float[features.Count][];
        for (int start = 0; start < features.Count; start += batchSize)
        {
            int rows = Math.Min(batchSize, features.Count - start);
            int length = Enumerable.Range(start, rows).Max(i => features[i].InputIds.Length);
            var ids = new long[rows * length];
            var mask = new long[rows * length];
            var types = new long[rows * length];
            for (int r = 0; r < rows; r++)
            {
                EncodedExample example = features[start + r];
                for (int c = 0; c < length; c++)
                {
                    bool token = c < example.InputIds.Length;
                    ids[r * length + c] = token ? example.InputIds[c] : paddingId;
                    mask[r * length + c] = token ? 1 : 0;
                    types[r * length + c] = token ? example.TokenTypeIds[c] : 0;
                }
            }
            int[] shape = [rows, length];
            using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape.Select(d => (long)d).ToArray());
            using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape.Select(d => (long)d).ToArray());
            using var typesValue = OrtValue.CreateTensorValueFromMemory(types, shape.Select(d => (long)d).ToArray());
            using var runOptions = new RunOptions();
            using IDisposableReadOnlyCollection<OrtValue> outputs = _session.Run(runOptions,
                ["input_ids", "attention_mask", "token_type_ids"], [idsValue, maskValue, typesValue], ["logits"]);
            ReadOnlySpan<float> values = outputs[0].GetTensorDataAsSpan<float>();
            int width = values.Length / rows;
            for (int r = 0; r < rows; r++)
            {
                logits[start + r] = values.Slice(r * width, width).ToArray();
            }
        }
        return logits;
    }

    public void Dispose() => _session.Dispose();
}
