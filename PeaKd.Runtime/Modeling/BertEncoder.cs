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
    public BertEncoder(BertConfig config, int layers) : base(nameof(BertEncoder))
    {
        _layer = new ModuleList<BertLayer>(
            Enumerable.Range(0, layers).Select(_ => new BertLayer(config)).ToArray());
        RegisterComponents();
    }

    public ModuleList<BertLayer> Layer => _layer;
}
