using Google.Protobuf.Collections;
using Onnx;

namespace PeaKd.Checkpoints.Onnx;

/// <summary>Lookups over an ONNX graph: initializers by name, constant values, and who consumes what.</summary>
internal sealed class OnnxGraph
{
    private readonly Dictionary<string, List<NodeProto>> _consumers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, NodeProto> _producers = new(StringComparer.Ordinal);

    public OnnxGraph(GraphProto graph)
    {
        Initializers = graph.Initializer.GroupBy(t => t.Name).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        Nodes = graph.Node;
        foreach (NodeProto node in graph.Node)
        {
            foreach (string input in node.Input)
            {
                if (!_consumers.TryGetValue(input, out List<NodeProto>? list))
                {
                    _consumers[input] = list = [];
                }
                list.Add(node);
            }
            foreach (string output in node.Output)
            {
                _producers[output] = node;
            }
        }
    }

    public IReadOnlyDictionary<string, TensorProto> Initializers { get; }
    public RepeatedField<NodeProto> Nodes { get; }

    public IReadOnlyList<NodeProto> ConsumersOf(string value) =>
        _consumers.TryGetValue(value, out List<NodeProto>? list) ? list : [];

    public NodeProto? ProducerOf(string value) => _producers.GetValueOrDefault(value);

    /// <summary>The constant tensor behind a value: an initializer or the output of a Constant node.</summary>
    public TensorProto? Constant(string value)
    {
        if (Initializers.TryGetValue(value, out TensorProto? initializer))
        {
            return initializer;
        }
        NodeProto? producer = ProducerOf(value);
        return producer?.OpType == "Constant" ? producer.Attribute.FirstOrDefault(a => a.Name == "value")?.T : null;
    }
}
