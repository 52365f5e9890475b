using PeaKd.Precision;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace PeaKd.Modeling;

/// <summary>Attention output projection, dropout, residual and LayerNorm (Hugging Face's BertSelfOutput).</summary>
public sealed class BertSelfOutput : nn.Module
{
    [ComponentName(Name = "dense")]
    private readonly Linear _dense;
    [ComponentName(Name = "LayerNorm")]
    private readonly LayerNorm _layerNorm;
    private readonly double _dropout;

    /// <summary>Builds the block of <paramref name="config"/>'s sizes.</summary>
    public BertSelfOutput(BertConfig config) : base(nameof(BertSelfOutput))
    {
        _dropout = config.HiddenDropoutProb;
        _dense = nn.Linear(config.HiddenSize, config.HiddenSize);
        _layerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        RegisterComponents();
    }

    /// <summary><c>attention.output.dense</c>: hidden -> hidden.</summary>
    public Linear Dense => _dense;
    /// <summary><c>attention.output.LayerNorm</c>.</summary>
    public LayerNorm LayerNorm => _layerNorm;

    /// <summary>LayerNorm(dropout(dense(<paramref name="context"/>)) + <paramref name="residual"/>).</summary>
    /// <param name="context">The attended values, [batch, sequence, hidden].</param>
    /// <param name="residual">The layer's input, [batch, sequence, hidden].</param>
    public Tensor forward(Tensor context, Tensor residual)
    {
        using var scope = NewDisposeScope();
        Tensor projected = ParallelDropout.Apply(MixedPrecision.Linear(Dense, context), _dropout, training);
        return LayerNorm.forward(projected + residual).MoveToOuterDisposeScope();
    }
}
