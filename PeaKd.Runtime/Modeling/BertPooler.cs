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
    /// <summary>Builds the pooler of <paramref name="config"/>'s hidden size.</summary>
    public BertPooler(BertConfig config) : base(nameof(BertPooler))
    {
        _dense = nn.Linear(config.HiddenSize, config.HiddenSize);
        RegisterComponents();
    }

    /// <summary><c>pooler.dense</c>: hidden -> hidden.</summary>
    public Linear Dense => _dense;

    /// <summary>tanh(dense(the [CLS] state)), [batch, hidden].</summary>
    /// <param name="hidden">The last layer's output, [batch, sequence, hidden].</param>
    public Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        Tensor cls = hidden.select(1, 0);
        return MixedPrecision.Linear(Dense, cls).tanh().MoveToOuterDisposeScope();
    }
}
