using System.Text.RegularExpressions;
using Onnx;
using PeaKd.Folders;
using PeaKd.IO;
using PeaKd.Modeling;
using static TorchSharp.torch;

namespace PeaKd.Checkpoints.Onnx;

/// <summary>A BERT encoder recovered from an ONNX graph: its config and weights with Hugging Face names.</summary>
internal sealed record ImportedBert(BertConfig Config, IReadOnlyDictionary<string, (float[] Data, long[] Shape)> Weights, string? Vocab, IReadOnlyList<string> Notes);

/// <summary>
/// Maps an ONNX BERT encoder (as exported from Hugging Face by torch.onnx or optimum) to Hugging Face names.
/// Named initializers map directly. MatMul weights are often anonymous ("927", "onnx::MatMul_788"): each is
/// named after the bias that the Add consuming its MatMul adds ("...query.bias" gives "...query.weight"),
/// and transposed from ONNX's [in, out] to PyTorch's [out, in]. Sizes come from the shapes; the number of
/// heads from the Reshape that splits the key projection into heads (or from the caller).
/// </summary>
internal static partial class OnnxBertImporter
{
    [GeneratedRegex(@"^(?:bert\.)?((?:embeddings\.(?:word_embeddings|position_embeddings|token_type_embeddings)\.weight)|(?:embeddings\.LayerNorm\.(?:weight|bias))|(?:encoder\.layer\.\d+\.(?:attention\.self\.(?:query|key|value)|attention\.output\.dense|intermediate\.dense|output\.dense)\.(?:weight|bias))|(?:encoder\.layer\.\d+\.(?:attention\.output|output)\.LayerNorm\.(?:weight|bias))|(?:pooler\.dense\.(?:weight|bias)))$")]
    private static partial Regex HuggingFaceName();

    [GeneratedRegex(@"^encoder\.layer\.(\d+)\.")]
    private static partial Regex LayerIndex();

    private static readonly string[] LayerParameters =
    [
        "attention.self.query.weight", "attention.self.query.bias", "attention.self.key.weight", "attention.self.key.bias",
        "attention.self.value.weight", "attention.self.value.bias", "attention.output.dense.weight", "attention.output.dense.bias",
        "attention.output.LayerNorm.weight", "attention.output.LayerNorm.bias", "intermediate.dense.weight", "intermediate.dense.bias",
        "output.dense.weight", "output.dense.bias", "output.LayerNorm.weight", "output.LayerNorm.bias",
    ];

    private static readonly string[] EmbeddingParameters =
    [
        "embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight", "embeddings.token_type_embeddings.weight",
        "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias",
    ];

    /// <param name="source">The parsed model and its vocabulary.</param>
    /// <param name="heads">Attention heads, when the graph does not show them.</param>
    public static ImportedBert Import(OnnxModelSource source, int? heads = null)
    {
        string origin = source.Origin;
        var graph = new OnnxGraph(source.Model.Graph);
        var notes = new List<string>();
        Dictionary<string, (float[] Data, long[] Shape)> weights = HuggingFaceWeights(graph, origin);

        int layers = weights.Keys.Select(k => LayerIndex().Match(k)).Where(m => m.Success).Select(m => LayerNumber(m.Groups[1].Value, origin) + 1).DefaultIfEmpty(0).Max();
        var missing = EmbeddingParameters
            .Concat(Enumerable.Range(0, layers).SelectMany(i => LayerParameters.Select(p => $"encoder.layer.{i}.{p}")))
            .Where(name => !weights.ContainsKey(name))
            .ToList();
        if (layers == 0 || missing.Count > 0)
        {
            throw new CorruptFileException(origin,
                $"not a BERT encoder PeaKd can map: {(layers == 0 ? "no encoder.layer.N parameters found" : $"could not find {string.Join(", ", missing.Take(8))}{(missing.Count > 8 ? $" and {missing.Count - 8} more" : "")}")}.");
        }
        CheckNoSharedLayers(graph, layers, origin);
        foreach (string name in new[] { "embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight", "embeddings.token_type_embeddings.weight", "encoder.layer.0.intermediate.dense.weight" })
        {
            if (weights[name].Shape.Length != 2)
            {
                throw new CorruptFileException(origin, $"shape [{string.Join(", ", weights[name].Shape)}]; a 2-D weight was expected.", $"tensor '{name}'");
            }
        }

        long hidden = weights["embeddings.word_embeddings.weight"].Shape[1];
        int headCount = heads ?? FindHeads(graph, hidden) ?? throw new CorruptFileException(origin,
            "could not read the number of attention heads from the graph; give it explicitly (TeacherImport.FromOnnx's heads).");
        var config = new BertConfig
        {
            VocabSize = (int)weights["embeddings.word_embeddings.weight"].Shape[0],
            HiddenSize = (int)hidden,
            NumHiddenLayers = layers,
            NumAttentionHeads = headCount,
            IntermediateSize = (int)weights["encoder.layer.0.intermediate.dense.weight"].Shape[0],
            MaxPositionEmbeddings = (int)weights["embeddings.position_embeddings.weight"].Shape[0],
            TypeVocabSize = (int)weights["embeddings.token_type_embeddings.weight"].Shape[0],
            HiddenAct = FindActivation(graph, origin),
            LayerNormEps = FindLayerNormEpsilon(graph, notes),
        };
        config.Validate(origin);
        CheckShapes(weights, config, origin);

        if (!weights.ContainsKey("pooler.dense.weight"))
        {
            notes.Add($"{origin}: the model has no pooler; a fresh one (N(0, {config.InitializerRange}), bias 0) was written. Fine-tuning trains it.");
        }
        return new ImportedBert(config, weights, source.Vocab, notes);
    }

    /// <summary>The encoder's weights under Hugging Face's names: the initializers named so, and each MatMul weight
    /// (stored [in, out] under a generated name) named after the bias its output is added to, transposed back.</summary>
    private static Dictionary<string, (float[] Data, long[] Shape)> HuggingFaceWeights(OnnxGraph graph, string origin)
    {
        var weights = new Dictionary<string, (float[] Data, long[] Shape)>(StringComparer.Ordinal);
        foreach ((string name, TensorProto tensor) in graph.Initializers)
        {
            Match match = HuggingFaceName().Match(name);
            if (match.Success)
            {
                weights[match.Groups[1].Value] = Layout(graph, name, tensor, origin);
            }
        }
        foreach (NodeProto matMul in graph.Nodes.Where(n => n.OpType == "MatMul" && n.Input.Count == 2 && n.Output.Count > 0))
        {
            string weight = matMul.Input[1];
            if (!graph.Initializers.TryGetValue(weight, out TensorProto? tensor) || tensor.Dims.Count != 2 || HuggingFaceName().IsMatch(weight))
            {
                continue;
            }
            string? bias = graph.ConsumersOf(matMul.Output[0])
                .Where(n => n.OpType == "Add")
                .SelectMany(n => n.Input)
                .Select(input => HuggingFaceName().Match(input))
                .FirstOrDefault(m => m.Success && m.Groups[1].Value.EndsWith(".bias", StringComparison.Ordinal))?.Groups[1].Value;
            if (bias is not null)
            {
                weights[bias[..^"bias".Length] + "weight"] = Transposed(tensor, origin);
            }
        }
        return weights;
    }

    /// <summary>A graph that runs one stored layer more than once (a student with shared layers, as PeaKd exports SPS and
    /// PeaBERT) would import as a shallower model, one layer per stored layer: refused. Each layer's output LayerNorm
    /// scale is read by exactly one node in a plain encoder, however its LayerNorm is written out.</summary>
    private static void CheckNoSharedLayers(OnnxGraph graph, int layers, string origin)
    {
        for (int i = 0; i < layers; i++)
        {
            string suffix = $"encoder.layer.{i}.output.LayerNorm.weight";
            string? name = graph.Initializers.Keys.FirstOrDefault(k => HuggingFaceName().Match(k) is { Success: true } m && m.Groups[1].Value == suffix);
            int uses = name is null ? 0 : graph.Nodes.Count(n => n.Input.Contains(name));
            if (uses > 1)
            {
                throw new CorruptFileException(origin,
                    $"its graph runs stored layer {i} {uses} times: a student with shared layers (PeaKd exports SPS and PeaBERT students so). Importing it would keep one layer per stored layer and drop the sharing, a shallower model. " +
                    "Use the run or student folder it was exported from, or export that with ModelExport.ToHuggingFace (shared layers unrolled) and import the folder.");
            }
        }
    }

    /// <summary>Writes the encoder as a Hugging Face folder (config.json, model.safetensors with bert.* keys, vocab.txt).</summary>
    public static void Save(ImportedBert imported, string folder, int seed = 0)
    {
        using var model = new BertClassifier(imported.Config);
        using (var generator = new Generator((ulong)seed))
        {
            // a missing pooler is initialised reproducibly, from a generator of its own: a library must not reseed the
            // application's process-wide one, nor depend on what other threads draw from it
            BertInitializer.Initialize(model, imported.Config, generator);
        }
        using (var scope = NewDisposeScope())
        {
            var tensors = model.state_dict()
                .Where(p => !p.Key.StartsWith("classifier.", StringComparison.Ordinal))
                .ToDictionary(p => p.Key, p => p.Value);
            foreach ((string name, (float[] data, long[] shape)) in imported.Weights) // shapes were checked by Import
            {
                tensors["bert." + name] = tensor(data, shape);
            }
            Directory.CreateDirectory(folder);
            WeightsFile.WriteSafetensors(Path.Combine(folder, ModelFiles.Safetensors), tensors);
        }
        imported.Config.Save(Path.Combine(folder, ModelFiles.Config));
        if (imported.Vocab is not null)
        {
            AtomicFile.WriteAllText(Path.Combine(folder, ModelFiles.Vocabulary), imported.Vocab);
            // ONNX carries no tokenizer settings: record the casing read off the vocabulary, as Hugging Face does.
            bool lowercase = Data.Tokenization.BertTextEncoder.IsUncased(imported.Vocab.Split('\n').Select(t => t.TrimEnd('\r')));
            AtomicFile.WriteAllText(Path.Combine(folder, "tokenizer_config.json"),
                $"{{\n  \"do_lower_case\": {(lowercase ? "true" : "false")},\n  \"tokenizer_class\": \"BertTokenizer\"\n}}\n");
        }
    }

    /// <summary>A layer number from a parameter name; a damaged name can hold any digits.</summary>
    private static int LayerNumber(string digits, string origin) =>
        int.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int layer) && layer < 10_000
            ? layer
            : throw new CorruptFileException(origin, $"layer number {(digits.Length <= 12 ? digits : digits[..12] + "...")} is not a layer of any BERT.", "initializer names");

    /// <summary>Every weight must have the shape a BERT of <paramref name="config"/> has under its name: a damaged graph
    /// can name or size a tensor so that the inferred config and the weights disagree.</summary>
    private static void CheckShapes(IReadOnlyDictionary<string, (float[] Data, long[] Shape)> weights, BertConfig config, string origin)
    {
        using var scope = NewDisposeScope();
        using var model = new BertModel(config, config.NumHiddenLayers);
        Dictionary<string, Tensor> expected = model.state_dict();
        foreach ((string name, (_, long[] shape)) in weights)
        {
            if (!expected.TryGetValue(name, out Tensor? parameter))
            {
                throw new CorruptFileException(origin, $"no such parameter in a {config.NumHiddenLayers}-layer BERT.", $"tensor '{name}'");
            }
            if (!parameter.shape.SequenceEqual(shape))
            {
                throw new CorruptFileException(origin, $"shape [{string.Join(", ", shape)}], but the config inferred from the graph needs [{string.Join(", ", parameter.shape)}].", $"tensor '{name}'");
            }
        }
    }

    /// <summary>A named 2-D weight in PyTorch's [out, in] layout: transposed when the graph multiplies by it as [in, out].</summary>
    private static (float[], long[]) Layout(OnnxGraph graph, string name, TensorProto tensor, string origin)
    {
        bool inOut = tensor.Dims.Count == 2 && !name.Contains("embeddings", StringComparison.Ordinal)
            && graph.ConsumersOf(name).Any(n =>
                (n.OpType == "MatMul" && n.Input.Count > 1 && n.Input[1] == name)
                || (n.OpType == "Gemm" && n.Input.Count > 1 && n.Input[1] == name && (n.Attribute.FirstOrDefault(a => a.Name == "transB")?.I ?? 0) == 0));
        return inOut ? Transposed(tensor, origin) : (OnnxTensors.Floats(tensor, origin), OnnxTensors.Shape(tensor));
    }

    private static (float[], long[]) Transposed(TensorProto tensor, string origin)
    {
        float[] data = OnnxTensors.Floats(tensor, origin);
        long rows = tensor.Dims[0], columns = tensor.Dims[1];
        var transposed = new float[data.Length];
        for (long r = 0; r < rows; r++)
        {
            for (long c = 0; c < columns; c++)
            {
                transposed[c * rows + r] = data[r * columns + c];
            }
        }
        return (transposed, [columns, rows]);
    }

    /// <summary>Heads from the Reshape of layer 0's key projection: its target shape holds (heads, head size).</summary>
    private static int? FindHeads(OnnxGraph graph, long hidden)
    {
        string? keyBias = graph.Initializers.Keys.FirstOrDefault(k => HuggingFaceName().Match(k) is { Success: true } m
            && m.Groups[1].Value == "encoder.layer.0.attention.self.key.bias");
        NodeProto? add = keyBias is null ? null : graph.ConsumersOf(keyBias).FirstOrDefault(n => n.OpType == "Add" && n.Output.Count > 0);
        if (add is null)
        {
            return null;
        }
        foreach (NodeProto reshape in graph.ConsumersOf(add.Output[0]).Where(n => n.OpType == "Reshape" && n.Input.Count > 1))
        {
            long[] shape = ShapeValues(graph, reshape.Input[1]);
            for (int i = 0; i + 1 < shape.Length; i++)
            {
                if (shape[i] > 0 && shape[i + 1] > 0 && shape[i] <= hidden && shape[i + 1] <= hidden && shape[i] * shape[i + 1] == hidden)
                {
                    return (int)shape[i];
                }
            }
        }
        return null;
    }

    /// <summary>The values of a shape operand: a constant, or a Concat of constants (-1 where not constant).</summary>
    private static long[] ShapeValues(OnnxGraph graph, string value)
    {
        if (graph.Constant(value) is { } constant)
        {
            return OnnxTensors.Longs(constant);
        }
        NodeProto? producer = graph.ProducerOf(value);
        if (producer?.OpType != "Concat")
        {
            return [];
        }
        return producer.Input.SelectMany(input => graph.Constant(input) is { } part ? OnnxTensors.Longs(part) : [-1L]).ToArray();
    }

    private static string FindActivation(OnnxGraph graph, string origin)
    {
        if (graph.Nodes.Any(n => n.OpType == "Erf" || (n.OpType == "Gelu" && n.Attribute.All(a => a.Name != "approximate" || a.S.ToStringUtf8() == "none"))))
        {
            return "gelu";
        }
        // The pooler has one Tanh; the tanh form of GELU adds one per layer.
        if (graph.Nodes.Count(n => n.OpType == "Tanh") > 1 || graph.Nodes.Any(n => n.OpType == "Gelu"))
        {
            return "gelu_new";
        }
        if (graph.Nodes.Any(n => n.OpType == "Relu"))
        {
            return "relu";
        }
        throw new CorruptFileException(origin, "could not recognise the feed-forward activation (no Erf, Gelu, Tanh or Relu nodes).");
    }

    private static double FindLayerNormEpsilon(OnnxGraph graph, List<string> notes)
    {
        NodeProto? fused = graph.Nodes.FirstOrDefault(n => n.OpType == "LayerNormalization");
        if (fused is not null)
        {
            return fused.Attribute.FirstOrDefault(a => a.Name == "epsilon")?.F ?? 1e-5;
        }
        // Decomposed LayerNorm: ReduceMean(variance) + epsilon -> Sqrt.
        foreach (NodeProto add in graph.Nodes.Where(n => n.OpType == "Add" && n.Input.Count == 2))
        {
            if (graph.ProducerOf(add.Input[0])?.OpType != "ReduceMean")
            {
                continue;
            }
            if (graph.Constant(add.Input[1]) is { } constant && OnnxTensors.Scalar(constant) is double epsilon)
            {
                // the graph stores float32; print-and-parse recovers the intended decimal (1e-12, not 9.99999996e-13)
                return double.Parse(((float)epsilon).ToString("R", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        notes.Add("layer_norm_eps was not found in the graph; using BERT's 1e-12.");
        return 1e-12;
    }
}
