using PeaKd.Precision;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace PeaKd.Modeling;

/// <summary>tanh(dense([CLS])) (Hugging Face's BertPooler).</summary>
public sealed class BertPooler : nn.Module
{
    [ComponentName(Name = "dense")]
    private readonly Linear _dense;
    public BertPooler(BertConfig config) : base(nameof(BertPooler))
    {
        _dense = nn.Linear(config.HiddenSize, config.HiddenSize);
        RegisterComponents();
    }

    public Linear Dense => _dense;

    public Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        Tensor cls = hidden.select(1, 0);
        return MixedPrecision.Linear(Dense, cls).tanh().MoveToOuterDisposeScope();
    }
}
