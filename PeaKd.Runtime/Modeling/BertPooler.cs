using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PeaKd.Modeling;

/// <summary>tanh(dense([CLS])) (Hugging Face's BertPooler).</summary>
public sealed class BertPooler : nn.Module
{
    public BertPooler(BertConfig config) : base(nameof(BertPooler))
    {
        Dense = this.Register("dense", nn.Linear(config.HiddenSize, config.HiddenSize));
    }

    public Linear Dense { get; }

    public Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        Tensor cls = hidden.select(1, 0);
        return Dense.forward(cls).tanh().MoveToOuterDisposeScope();
    }
}
