using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace PeaKd.Modeling;

/// <summary>The stack of encoder layers that own parameters (Hugging Face's BertEncoder, <c>encoder.layer.N</c>).</summary>
public sealed class BertEncoder : nn.Module
{
    [ComponentName(Name = "layer")]
    private readonly ModuleList<BertLayer> _layer;

    /// <summary>Builds <paramref name="layers"/> fresh layers of <paramref name="config"/>'s sizes.</summary>
    public BertEncoder(BertConfig config, int layers) : base(nameof(BertEncoder))
    {
        _layer = new ModuleList<BertLayer>(
            Enumerable.Range(0, layers).Select(_ => new BertLayer(config)).ToArray());
        RegisterComponents();
    }

    /// <summary>The layers, <c>encoder.layer.0</c> first.</summary>
    public ModuleList<BertLayer> Layer => _layer;

    /// <summary>Runs every layer once, in order, as BERT does; returns each layer's output (the embeddings not included).</summary>
    /// <param name="embeddings">[batch, sequence, hidden].</param>
    /// <param name="attentionMask">The additive mask [batch, 1, 1, sequence], or null for no padding.</param>
    public IReadOnlyList<Tensor> forward(Tensor embeddings, Tensor? attentionMask)
    {
        var outputs = new List<Tensor>(Layer.Count);
        Tensor hidden = embeddings;
        foreach (BertLayer layer in Layer)
        {
            hidden = layer.forward(hidden, attentionMask);
            outputs.Add(hidden);
        }
        return outputs;
    }
}
