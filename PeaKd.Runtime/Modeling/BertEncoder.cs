using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PeaKd.Modeling;

/// <summary>The stack of encoder layers that own parameters (Hugging Face's BertEncoder, <c>encoder.layer.N</c>).</summary>
public sealed class BertEncoder : nn.Module
{
    public BertEncoder(BertConfig config, int layers) : base(nameof(BertEncoder))
    {
        Layer = this.Register("layer", new ModuleList<BertLayer>(
            Enumerable.Range(0, layers).Select(_ => new BertLayer(config)).ToArray()));
    }

    public ModuleList<BertLayer> Layer { get; }
}
