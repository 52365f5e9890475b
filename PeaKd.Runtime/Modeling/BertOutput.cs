using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PeaKd.Modeling;

/// <summary>The feed-forward contraction, dropout, residual and LayerNorm (Hugging Face's BertOutput).</summary>
public sealed class BertOutput : nn.Module
{
    private readonly double _dropout;

    public BertOutput(BertConfig config) : base(nameof(BertOutput))
    {
        _dropout = config.HiddenDropoutProb;
        Dense = this.Register("dense", nn.Linear(config.IntermediateSize, config.HiddenSize));
        LayerNorm = this.Register("LayerNorm", nn.LayerNorm(config.HiddenSize, config.LayerNormEps));
    }

    public Linear Dense { get; }
    public LayerNorm LayerNorm { get; }

    public Tensor forward(Tensor intermediate, Tensor residual)
    {
        using var scope = NewDisposeScope();
        Tensor projected = nn.functional.dropout(Dense.forward(intermediate), _dropout, training);
        return LayerNorm.forward(projected + residual).MoveToOuterDisposeScope();
    }
}
