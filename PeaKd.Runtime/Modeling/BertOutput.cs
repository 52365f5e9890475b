using PeaKd.Precision;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace PeaKd.Modeling;

/// <summary>The feed-forward contraction, dropout, residual and LayerNorm (Hugging Face's BertOutput).</summary>
public sealed class BertOutput : nn.Module
{
    [ComponentName(Name = "dense")]
    private readonly Linear _dense;
    [ComponentName(Name = "LayerNorm")]
    private readonly LayerNorm _layerNorm;
    private readonly double _dropout;

    public BertOutput(BertConfig config) : base(nameof(BertOutput))
    {
        _dropout = config.HiddenDropoutProb;
        _dense = nn.Linear(config.IntermediateSize, config.HiddenSize);
        _layerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        RegisterComponents();
    }

    public Linear Dense => _dense;
    public LayerNorm LayerNorm => _layerNorm;

    public Tensor forward(Tensor intermediate, Tensor residual)
    {
        using var scope = NewDisposeScope();
        Tensor projected = nn.functional.dropout(MixedPrecision.Linear(Dense, intermediate), _dropout, training);
        return LayerNorm.forward(projected + residual).MoveToOuterDisposeScope();
    }
}
