using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PeaKd.Modeling;

/// <summary>Attention output projection, dropout, residual and LayerNorm (Hugging Face's BertSelfOutput).</summary>
public sealed class BertSelfOutput : nn.Module
{
    private readonly double _dropout;

    public BertSelfOutput(BertConfig config) : base(nameof(BertSelfOutput))
    {
        _dropout = config.HiddenDropoutProb;
        Dense = this.Register("dense", nn.Linear(config.HiddenSize, config.HiddenSize));
        LayerNorm = this.Register("LayerNorm", nn.LayerNorm(config.HiddenSize, config.LayerNormEps));
    }

    public Linear Dense { get; }
    public LayerNorm LayerNorm { get; }

    public Tensor forward(Tensor context, Tensor residual)
    {
        using var scope = NewDisposeScope();
        Tensor projected = nn.functional.dropout(Dense.forward(context), _dropout, training);
        return LayerNorm.forward(projected + residual).MoveToOuterDisposeScope();
    }
}
