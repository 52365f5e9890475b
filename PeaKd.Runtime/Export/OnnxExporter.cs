using Google.Protobuf;
using Onnx;
using PeaKd.IO;
using PeaKd.Modeling;
using PeaKd.Students;
using static TorchSharp.torch;

namespace PeaKd.Export;

/// <summary>
/// A trained BERT classifier as an ONNX graph (opset 17) with Hugging Face's interface: inputs <c>input_ids</c>,
/// <c>attention_mask</c> and <c>token_type_ids</c> (int64, [batch, sequence], both axes dynamic), output <c>logits</c>
/// (float, [batch, labels]). The graph runs the student's effective layers; a shared layer's nodes read its owner's
/// initializers (Query and Key exchanged where it is shuffled), so each owned tensor is stored once and the file of
/// PeaBERT-k is the size of BERT-k's. Initializers keep the state dict's names; linear weights are stored transposed,
/// [in, out], as MatMul takes them (as Hugging Face's ONNX exports store them).
/// </summary>
/// <remarks>
/// Graph choices: LayerNormalization (opset 17) for every LayerNorm; GELU written out with Erf (BERT's exact form) or
/// Tanh (gelu_new); fp32 attention as MatMul, a division by sqrt(head size), the additive padding mask (the float's lowest
/// value where attention_mask is 0, as Hugging Face builds it) and Softmax; heads split with Reshape [0, 0, heads,
/// head size], which keeps the batch and sequence axes dynamic; position embeddings sliced to the input's length.
/// Int8 graphs compute self-attention with ONNX Runtime's QAttention (see <see cref="GraphBuilder.SelfAttention"/>).
/// </remarks>
internal static class OnnxExporter
{
    public const int Opset = 17;
    private const string MicrosoftDomain = "com.microsoft";
    private const int Float = 1, Int8 = 3, Int32 = 6, Int64 = 7;

    /// <param name="config">The model's config (its sizes; the labels give the output's width).</param>
    /// <param name="weights">The stored state dict: owned layers only for a student.</param>
    /// <param name="layers">Each effective layer's owner and shuffle, in forward order.</param>
    /// <param name="quantization">Int8: ONNX Runtime's dynamic quantization scheme (see <see cref="OnnxQuantization.Int8"/>).</param>
    public static ModelProto Build(BertConfig config, IReadOnlyDictionary<string, Tensor> weights, IReadOnlyList<LayerUse> layers,
        OnnxQuantization quantization = OnnxQuantization.Fp32)
    {
        bool int8 = quantization == OnnxQuantization.Int8;
        var graph = new GraphProto { Name = "peakd-bert-classifier" };
        var b = new GraphBuilder(graph, int8);
        foreach (string input in new[] { "input_ids", "attention_mask", "token_type_ids" })
        {
            graph.Input.Add(Value(input, Int64, "batch", "sequence"));
        }
        graph.Output.Add(Value("logits", Float, "batch", config.NumLabels.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        using var scope = NewDisposeScope(); // the transposed and quantized copies are freed here, not by the GC
        AddWeights(graph, weights, int8);
        AddConstants(b, config, int8);
        AddEmbeddings(b, config, int8);
        AddAttentionMask(b, int8);
        string hiddenStates = "embeddings";
        for (int i = 0; i < layers.Count; i++)
        {
            hiddenStates = AddLayer(b, config, layers[i], $"layer{i}/", hiddenStates);
        }
        AddClassifier(b, hiddenStates);

        var model = new ModelProto { IrVersion = 8, ProducerName = "PeaKd", ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        if (int8)
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = MicrosoftDomain, Version = 1 });
        }
        return model;
    }

    private const string WordEmbeddings = "bert.embeddings.word_embeddings.weight";

    /// <summary>The weights as initializers, in name order: linear weights transposed to [in, out]; int8 quantizes
    /// them and the word table.</summary>
    private static void AddWeights(GraphProto graph, IReadOnlyDictionary<string, Tensor> weights, bool int8)
    {
        foreach ((string name, Tensor tensor) in weights.OrderBy(w => w.Key, StringComparer.Ordinal))
        {
            bool linear = tensor.dim() == 2 && name.EndsWith(".weight", StringComparison.Ordinal) && !name.Contains("embeddings", StringComparison.Ordinal);
            if (int8 && (linear || name == WordEmbeddings))
            {
                // linear weights: a scale per output column of [in, out]; the word table: a scale per token (row)
                (TensorProto values, TensorProto scales) = Quantized(name, linear ? tensor.t() : tensor, perColumn: linear);
                graph.Initializer.Add(values);
                graph.Initializer.Add(scales);
                continue;
            }
            graph.Initializer.Add(FloatTensor(name, linear ? tensor.t() : tensor));
        }
    }

    /// <summary>Only the constants the graph reads: ONNX Runtime warns of the rest.</summary>
    private static void AddConstants(GraphBuilder b, BertConfig config, bool int8)
    {
        int heads = config.NumAttentionHeads, hidden = config.HiddenSize;
        bool gelu = config.HiddenAct.StartsWith("gelu", StringComparison.Ordinal);
        b.Constant("zero", Int64, [1], [0]);
        if (!int8 || gelu)
        {
            b.FloatConstant("one", 1f);
        }
        if (!int8) // what the written-out attention reads
        {
            b.Constant("heads_shape", Int64, [4], [0, 0, heads, hidden / heads]);
            b.Constant("hidden_shape", Int64, [3], [0, 0, hidden]);
            b.Constant("mask_axes", Int64, [2], [1, 2]);
            b.FloatConstant("lowest", float.MinValue);
            b.FloatConstant("sqrt_head", MathF.Sqrt(hidden / heads));
        }
        if (gelu)
        {
            b.FloatConstant("half", 0.5f);
        }
        if (config.HiddenAct == "gelu")
        {
            b.FloatConstant("sqrt2", MathF.Sqrt(2f));
        }
        else if (config.HiddenAct is "gelu_new" or "gelu_pytorch_tanh")
        {
            b.FloatConstant("tanh_scale", MathF.Sqrt(2f / MathF.PI));
            b.FloatConstant("tanh_cubic", 0.044715f);
            b.FloatConstant("three", 3f);
        }
        b.Constant("first_token", Int64, [], [0]);
    }

    /// <summary>Words (dequantized per token in int8), positions sliced to the input's length, segments; summed and normalized.</summary>
    private static void AddEmbeddings(GraphBuilder b, BertConfig config, bool int8)
    {
        const string e = "bert.embeddings.";
        if (int8)
        {
            b.Constant("last_axis", Int64, [1], [-1]);
            b.Node("Gather", [WordEmbeddings + "_quantized", "input_ids"], "words_int8");
            b.Node("Cast", ["words_int8"], "words_unscaled", ("to", (long)Float));
            b.Node("Gather", [WordEmbeddings + "_scale", "input_ids"], "words_scale_2d");
            b.Node("Unsqueeze", ["words_scale_2d", "last_axis"], "words_scale");
            b.Node("Mul", ["words_unscaled", "words_scale"], "words");
        }
        else
        {
            b.Node("Gather", [WordEmbeddings, "input_ids"], "words");
        }
        b.Node("Shape", ["input_ids"], "sequence_length", ("start", 1L), ("end", 2L));
        b.Node("Slice", [e + "position_embeddings.weight", "zero", "sequence_length", "zero"], "positions");
        b.Node("Gather", [e + "token_type_embeddings.weight", "token_type_ids"], "segments");
        b.Node("Add", ["words", "positions"], "words_positions");
        b.Node("Add", ["words_positions", "segments"], "embedding_sum");
        b.LayerNorm("embedding_sum", e + "LayerNorm", config.LayerNormEps, "embeddings");
    }

    /// <summary>Int8: QAttention's raw mask (1 = attend). Fp32: the additive mask [batch, 1, 1, sequence].</summary>
    private static void AddAttentionMask(GraphBuilder b, bool int8)
    {
        if (int8)
        {
            b.Node("Cast", ["attention_mask"], "mask_int32", ("to", (long)Int32));
            return;
        }
        b.Node("Cast", ["attention_mask"], "mask_float", ("to", (long)Float));
        b.Node("Unsqueeze", ["mask_float", "mask_axes"], "mask_4d");
        b.Node("Sub", ["one", "mask_4d"], "padding");
        b.Node("Mul", ["padding", "lowest"], "additive_mask");
    }

    /// <summary>One effective layer, reading its owner's weights (Q and K swapped where shuffled); returns its output's name.</summary>
    private static string AddLayer(GraphBuilder b, BertConfig config, LayerUse layer, string n, string hiddenStates)
    {
        string owner = $"bert.encoder.layer.{layer.Owner}.";
        b.SelfAttention(hiddenStates, owner + "attention.self.", layer.Shuffle == Shuffle.QueryKey, config.NumAttentionHeads, n, n + "context");
        b.Linear(n + "context", owner + "attention.output.dense", n + "attention_dense");
        b.Node("Add", [n + "attention_dense", hiddenStates], n + "attention_residual");
        b.LayerNorm(n + "attention_residual", owner + "attention.output.LayerNorm", config.LayerNormEps, n + "attention_output");
        b.Linear(n + "attention_output", owner + "intermediate.dense", n + "intermediate_linear");
        b.Activation(config.HiddenAct, n + "intermediate_linear", n + "intermediate");
        b.Linear(n + "intermediate", owner + "output.dense", n + "output_dense");
        b.Node("Add", [n + "output_dense", n + "attention_output"], n + "output_residual");
        b.LayerNorm(n + "output_residual", owner + "output.LayerNorm", config.LayerNormEps, n + "output");
        return n + "output";
    }

    /// <summary>The pooler ([CLS], dense, tanh) and the classifier: the logits.</summary>
    private static void AddClassifier(GraphBuilder b, string hiddenStates)
    {
        b.Node("Gather", [hiddenStates, "first_token"], "cls", ("axis", 1L));
        b.Linear("cls", "bert.pooler.dense", "pooler_linear");
        b.Node("Tanh", ["pooler_linear"], "pooled");
        b.Linear("pooled", "classifier", "logits");
    }

    /// <summary>Writes the model, atomically.</summary>
    public static void Write(ModelProto model, string path) => AtomicFile.Write(path, temporary =>
    {
        using FileStream stream = File.Create(temporary);
        model.WriteTo(stream);
    });

    private static ValueInfoProto Value(string name, int type, params string[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (string dim in dims)
        {
            shape.Dim.Add(long.TryParse(dim, out long size) ? new TensorShapeProto.Types.Dimension { DimValue = size } : new TensorShapeProto.Types.Dimension { DimParam = dim });
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = type, Shape = shape } } };
    }

    /// <summary>Symmetric int8 (zero point 0, values in [-127, 127]) with a scale per column (or per row): the largest
    /// magnitude maps to 127. Returns name_quantized (int8) and name_scale (float).</summary>
    private static (TensorProto Values, TensorProto Scales) Quantized(string name, Tensor value, bool perColumn)
    {
        using var scope = NewDisposeScope();
        Tensor weights = value.to(ScalarType.Float32).contiguous();
        Tensor scale = weights.abs().amax(perColumn ? [0L] : [1L]).div(127.0);
        scale = where(scale.eq(0), ones_like(scale), scale);
        Tensor quantized = (perColumn ? weights.div(scale) : weights.div(scale.unsqueeze(1))).round().clamp(-127, 127).to(ScalarType.Int8).contiguous();
        sbyte[] data = quantized.data<sbyte>().ToArray();
        var values = new TensorProto { Name = name + "_quantized", DataType = Int8, RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan())) };
        values.Dims.AddRange(weights.shape);
        return (values, FloatTensor(name + "_scale", scale));
    }

    private static TensorProto FloatTensor(string name, Tensor value)
    {
        float[] data = value.to(ScalarType.Float32).contiguous().data<float>().ToArray();
        var proto = new TensorProto { Name = name, DataType = Float, RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan())) };
        proto.Dims.AddRange(value.shape);
        return proto;
    }

    /// <summary>Adds nodes with unique names and the constants they read.</summary>
    private sealed class GraphBuilder(GraphProto graph, bool int8)
    {
        private readonly HashSet<string> _fused = new(StringComparer.Ordinal);

        public void Node(string op, string[] inputs, string output, params (string Name, object Value)[] attributes) =>
            Node(op, inputs, [output], attributes);

        public void Node(string op, string[] inputs, string[] outputs, params (string Name, object Value)[] attributes) =>
            Node("", op, inputs, outputs, attributes);

        public void Node(string domain, string op, string[] inputs, string[] outputs, params (string Name, object Value)[] attributes)
        {
            var node = new NodeProto { Domain = domain, OpType = op, Name = $"{op}:{outputs[0]}" };
            node.Input.AddRange(inputs);
            node.Output.AddRange(outputs);
            foreach ((string name, object value) in attributes)
            {
                node.Attribute.Add(value switch
                {
                    long integer => new AttributeProto { Name = name, I = integer, Type = AttributeProto.Types.AttributeType.Int },
                    float number => new AttributeProto { Name = name, F = number, Type = AttributeProto.Types.AttributeType.Float },
                    long[] integers => Ints(name, integers),
                    _ => throw new ArgumentException($"attribute {name}: unsupported value {value}"),
                });
            }
            graph.Node.Add(node);
        }

        public void Constant(string name, int type, long[] dims, long[] values)
        {
            var tensor = new TensorProto { Name = name, DataType = type };
            tensor.Dims.AddRange(dims);
            tensor.Int64Data.AddRange(values);
            graph.Initializer.Add(tensor);
        }

        public void FloatConstant(string name, float value) => graph.Initializer.Add(new TensorProto { Name = name, DataType = Float, FloatData = { value } });

        /// <summary>x W + b, with W stored as [in, out] under the module's weight name; with int8, ONNX Runtime's dynamic
        /// scheme: x quantized per call (DynamicQuantizeLinear, uint8), an integer product with the int8 weights
        /// (MatMulInteger), then scaled back by x's scale times each column's.</summary>
        public void Linear(string input, string module, string output)
        {
            if (!int8)
            {
                Node("MatMul", [input, module + ".weight"], output + "_matmul");
                Node("Add", [output + "_matmul", module + ".bias"], output);
                return;
            }
            Node("DynamicQuantizeLinear", [input], [output + "_x_int8", output + "_x_scale", output + "_x_zero"]);
            Node("MatMulInteger", [output + "_x_int8", module + ".weight_quantized", output + "_x_zero"], output + "_int32");
            Node("Cast", [output + "_int32"], output + "_unscaled", ("to", (long)Float));
            Node("Mul", [output + "_x_scale", module + ".weight_scale"], output + "_scale");
            Node("Mul", [output + "_unscaled", output + "_scale"], output + "_matmul");
            Node("Add", [output + "_matmul", module + ".bias"], output);
        }

        /// <summary>Multi-head self-attention with the projections under <paramref name="module"/> (query, key,
        /// value); a shuffled layer uses its owner's key as query and query as key.</summary>
        /// <remarks>fp32: standard ONNX, written out (Hugging Face's graph). int8: ONNX Runtime's QAttention
        /// (com.microsoft), the fused kernel its own quantizer emits for BERT, about 1.1x the throughput of the written-out
        /// form with int8 projections here: x quantized per call, and the three weights, scales and biases concatenated
        /// by Concat nodes (one set per owner and order, shared by the layers that reuse it), which ONNX Runtime folds
        /// once at load, so the file keeps each owner's tensors once; padding is masked with QAttention's -10000 rather
        /// than the float's lowest value (no difference once through the softmax).</remarks>
        public void SelfAttention(string input, string module, bool shuffled, int heads, string prefix, string output)
        {
            string[] modules = shuffled ? [module + "key", module + "query", module + "value"] : [module + "query", module + "key", module + "value"];
            string n = prefix;
            if (int8)
            {
                string fused = module + (shuffled ? "kqv" : "qkv");
                if (_fused.Add(fused))
                {
                    Node("Concat", modules.Select(m => m + ".weight_quantized").ToArray(), fused + ".weight_quantized", ("axis", 1L));
                    Node("Concat", modules.Select(m => m + ".weight_scale").ToArray(), fused + ".weight_scale", ("axis", 0L));
                    Node("Concat", modules.Select(m => m + ".bias").ToArray(), fused + ".bias", ("axis", 0L));
                }
                Node("DynamicQuantizeLinear", [input], [n + "x_int8", n + "x_scale", n + "x_zero"]);
                Node(MicrosoftDomain, "QAttention", [n + "x_int8", fused + ".weight_quantized", fused + ".bias", n + "x_scale", fused + ".weight_scale", "mask_int32", n + "x_zero"],
                    [output], ("num_heads", (long)heads));
                return;
            }
            Linear(input, modules[0], n + "q");
            Linear(input, modules[1], n + "k");
            Linear(input, modules[2], n + "v");
            Node("Reshape", [n + "q", "heads_shape"], n + "q_heads");
            Node("Transpose", [n + "q_heads"], n + "q_t", ("perm", new long[] { 0, 2, 1, 3 }));
            Node("Reshape", [n + "k", "heads_shape"], n + "k_heads");
            Node("Transpose", [n + "k_heads"], n + "k_t", ("perm", new long[] { 0, 2, 3, 1 }));
            Node("Reshape", [n + "v", "heads_shape"], n + "v_heads");
            Node("Transpose", [n + "v_heads"], n + "v_t", ("perm", new long[] { 0, 2, 1, 3 }));
            Node("MatMul", [n + "q_t", n + "k_t"], n + "scores_raw");
            Node("Div", [n + "scores_raw", "sqrt_head"], n + "scores_scaled");
            Node("Add", [n + "scores_scaled", "additive_mask"], n + "scores");
            Node("Softmax", [n + "scores"], n + "probabilities", ("axis", -1L));
            Node("MatMul", [n + "probabilities", n + "v_t"], n + "context_heads");
            Node("Transpose", [n + "context_heads"], n + "context_t", ("perm", new long[] { 0, 2, 1, 3 }));
            Node("Reshape", [n + "context_t", "hidden_shape"], output);
        }

        public void LayerNorm(string input, string module, double epsilon, string output) =>
            Node("LayerNormalization", [input, module + ".weight", module + ".bias"], output, ("epsilon", (float)epsilon), ("axis", -1L));

        public void Activation(string kind, string input, string output)
        {
            switch (kind)
            {
                case "gelu": // x * 0.5 * (1 + erf(x / sqrt 2))
                    Node("Div", [input, "sqrt2"], output + "_scaled");
                    Node("Erf", [output + "_scaled"], output + "_erf");
                    Node("Add", [output + "_erf", "one"], output + "_shifted");
                    Node("Mul", [input, output + "_shifted"], output + "_product");
                    Node("Mul", [output + "_product", "half"], output);
                    break;
                case "gelu_new" or "gelu_pytorch_tanh": // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
                    Node("Pow", [input, "three"], output + "_cube");
                    Node("Mul", [output + "_cube", "tanh_cubic"], output + "_cubic");
                    Node("Add", [input, output + "_cubic"], output + "_inner");
                    Node("Mul", [output + "_inner", "tanh_scale"], output + "_scaled");
                    Node("Tanh", [output + "_scaled"], output + "_tanh");
                    Node("Add", [output + "_tanh", "one"], output + "_shifted");
                    Node("Mul", [input, output + "_shifted"], output + "_product");
                    Node("Mul", [output + "_product", "half"], output);
                    break;
                case "relu":
                    Node("Relu", [input], output);
                    break;
                default:
                    throw new NotSupportedException($"hidden_act '{kind}' has no ONNX form here.");
            }
        }

        private static AttributeProto Ints(string name, long[] values)
        {
            var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
            attribute.Ints.AddRange(values);
            return attribute;
        }
    }
}
