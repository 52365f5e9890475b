using Google.Protobuf;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Onnx;
using PeaKd.Checkpoints;
using PeaKd.Tests.Infrastructure;
using static TorchSharp.torch;

namespace PeaKd.Tests.Reliability;

/// <summary>
/// A tiny BERT encoder as ONNX, built from the tiny-bert fixture's weights in the shape exporters give it: named
/// embeddings, LayerNorms and biases; anonymous [in, out] MatMul weights whose Add names the bias; a Reshape
/// splitting the key projection into heads; Erf for GELU; a fused LayerNormalization with its epsilon. About 90 KB,
/// so it can be fuzzed by the thousand (MiniLM's ONNX is 90 MB). The importer reads structure, not semantics,
/// so the graph need not be runnable.
/// </summary>
internal static class TinyOnnxBert
{
    private const int FloatType = 1, Int64Type = 7;

    public static byte[] Build()
    {
        var graph = new GraphProto { Name = "tiny-bert" };
        Dictionary<string, Tensor> weights = WeightsFile.Read(TestFiles.Fixture("tiny-bert", "model.safetensors"));
        int anonymous = 0, hidden = 0;
        foreach ((string key, Tensor value) in weights.OrderBy(w => w.Key, StringComparer.Ordinal))
        {
            string name = key.StartsWith("bert.", StringComparison.Ordinal) ? key["bert.".Length..] : key;
            bool linear = name.StartsWith("encoder.", StringComparison.Ordinal) && name.EndsWith("dense.weight", StringComparison.Ordinal)
                || name.Contains("attention.self.", StringComparison.Ordinal) && name.EndsWith(".weight", StringComparison.Ordinal);
            if (name.StartsWith("classifier.", StringComparison.Ordinal))
            {
                continue;
            }
            if (!linear)
            {
                // alternate the two storage forms the importer reads: raw bytes and the typed field
                graph.Initializer.Add(Float(name, value, raw: graph.Initializer.Count % 2 == 0));
                continue;
            }
            string weight = $"{++anonymous}";
            string bias = name[..^"weight".Length] + "bias";
            graph.Initializer.Add(Float(weight, value.t().contiguous(), raw: true)); // exporters store [in, out]
            graph.Node.Add(Node("MatMul", [$"in{anonymous}", weight], [$"mm{anonymous}"]));
            graph.Node.Add(Node("Add", [$"mm{anonymous}", bias], [$"add{anonymous}"]));
            if (name == "encoder.layer.0.attention.self.key.weight")
            {
                hidden = (int)value.shape[0];
                graph.Initializer.Add(new TensorProto { Name = "heads_shape", DataType = Int64Type, Dims = { 4 }, Int64Data = { 0, -1, 4, hidden / 4 } });
                graph.Node.Add(Node("Reshape", [$"add{anonymous}", "heads_shape"], ["key_heads"]));
            }
        }
        graph.Node.Add(Node("Erf", ["gelu_in"], ["gelu_out"]));
        var layerNorm = Node("LayerNormalization", ["ln_in", "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias"], ["ln_out"]);
        layerNorm.Attribute.Add(new AttributeProto { Name = "epsilon", F = 1e-12f, Type = AttributeProto.Types.AttributeType.Float });
        graph.Node.Add(layerNorm);
        foreach (Tensor tensor in weights.Values)
        {
            tensor.Dispose();
        }
        var model = new ModelProto { IrVersion = 7, ProducerName = "PeaKd.Tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Version = 13 });
        return model.ToByteArray();
    }

    /// <summary>A .NET assembly that embeds model.onnx and vocab.txt as resources, as the SentenceTransformers packages do.</summary>
    public static byte[] Assembly(byte[] onnx)
    {
        byte[] vocab = File.ReadAllBytes(TestFiles.Fixture("tiny-bert", "vocab.txt"));
        CSharpCompilation compilation = CSharpCompilation.Create("TinyOnnxBert",
            [CSharpSyntaxTree.ParseText("namespace Tiny { public static class Model { } }")],
            [MetadataReference.CreateFromFile(typeof(object).Assembly.Location)],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        using var output = new MemoryStream();
        var result = compilation.Emit(output, manifestResources:
        [
            new ResourceDescription("Tiny.model.onnx", () => new MemoryStream(onnx), isPublic: true),
            new ResourceDescription("Tiny.vocab.txt", () => new MemoryStream(vocab), isPublic: true),
        ]);
        return result.Success ? output.ToArray() : throw new InvalidOperationException(string.Join("\n", result.Diagnostics));
    }

    private static TensorProto Float(string name, Tensor value, bool raw)
    {
        float[] data = value.to(ScalarType.Float32).data<float>().ToArray();
        var proto = new TensorProto { Name = name, DataType = FloatType };
        proto.Dims.AddRange(value.shape);
        if (raw)
        {
            proto.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
        }
        else
        {
            proto.FloatData.AddRange(data);
        }
        return proto;
    }

    private static NodeProto Node(string op, string[] inputs, string[] outputs)
    {
        var node = new NodeProto { OpType = op, Name = $"{op}_{outputs[0]}" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        return node;
    }
}
