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

    /// <summary>Builds the block of <paramref name="config"/>'s sizes.</summary>
    public BertOutput(BertConfig config) : base(nameof(BertOutput))
    {
        _dropout = config.HiddenDropoutProb;
        _dense = nn.Linear(config.IntermediateSize, config.HiddenSize);
        _layerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        RegisterComponents();
    }

    /// <summary><c>output.dense</c>: intermediate_size -> hidden.</summary>
    public Linear Dense => _dense;
    /// <summary><c>output.LayerNorm</c>.</summary>
    public LayerNorm LayerNorm => _layerNorm;

    /// <summary>LayerNorm(dropout(dense(<paramref name="intermediate"/>)) + <paramref name="residual"/>).</summary>
    /// <param name="intermediate">[batch, sequence, intermediate_size].</param>
    /// <param name="residual">The layer's input to the feed-forward block, [batch, sequence, hidden].</param>
    public Tensor forward(Tensor intermediate, Tensor residual)
    {
        using var scope = NewDisposeScope();
        Tensor projected = ParallelDropout.Apply(MixedPrecision.Linear(Dense, intermediate), _dropout, training);
        return LayerNorm.forward(projected + residual).MoveToOuterDisposeScope();
    }
}
