using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace PeaKd.Modeling;

/// <summary>Self-attention followed by its output block (Hugging Face's BertAttention).</summary>
public sealed class BertAttention : nn.Module
{
    [ComponentName(Name = "self")]
    private readonly BertSelfAttention _self;
    [ComponentName(Name = "output")]
    private readonly BertSelfOutput _output;
    /// <summary>Builds the block with <paramref name="config"/>'s sizes.</summary>
    public BertAttention(BertConfig config) : base(nameof(BertAttention))
    {
        _self = new BertSelfAttention(config);
        _output = new BertSelfOutput(config);
        RegisterComponents();
    }

    /// <summary>The attention itself, <c>attention.self</c>.</summary>
    public BertSelfAttention Self => _self;
    /// <summary>The output projection, residual and LayerNorm, <c>attention.output</c>.</summary>
    public BertSelfOutput Output => _output;

    /// <summary>Attends over <paramref name="hidden"/>; with <see cref="Shuffle.QueryKey"/> queries and keys come from the exchanged projections.</summary>
    /// <param name="hidden">[batch, sequence, hidden].</param>
    /// <param name="attentionMask">The additive mask, or null.</param>
    /// <param name="shuffle">The roles of the Query and Key projections.</param>
    public Tensor forward(Tensor hidden, Tensor? attentionMask, Shuffle shuffle = Shuffle.None)
    {
        using var scope = NewDisposeScope();
        Tensor context = Self.forward(hidden, attentionMask, shuffle);
        return Output.forward(context, hidden).MoveToOuterDisposeScope();
    }
}
