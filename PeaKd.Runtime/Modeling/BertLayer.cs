using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace PeaKd.Modeling;

/// <summary>One transformer encoder layer (Hugging Face's BertLayer).</summary>
public sealed class BertLayer : nn.Module
{
    [ComponentName(Name = "attention")]
    private readonly BertAttention _attention;
    [ComponentName(Name = "intermediate")]
    private readonly BertIntermediate _intermediate;
    [ComponentName(Name = "output")]
    private readonly BertOutput _output;
    /// <summary>Builds a layer of <paramref name="config"/>'s sizes.</summary>
    public BertLayer(BertConfig config) : base(nameof(BertLayer))
    {
        _attention = new BertAttention(config);
        _intermediate = new BertIntermediate(config);
        _output = new BertOutput(config);
        RegisterComponents();
    }

    /// <summary><c>attention</c>: self-attention and its output block.</summary>
    public BertAttention Attention => _attention;
    /// <summary><c>intermediate</c>: the feed-forward expansion.</summary>
    public BertIntermediate Intermediate => _intermediate;
    /// <summary><c>output</c>: the feed-forward contraction, residual and LayerNorm.</summary>
    public BertOutput Output => _output;

    /// <summary>Runs the layer; with <see cref="Shuffle.QueryKey"/> its Query and Key projections trade roles.</summary>
    public Tensor forward(Tensor hidden, Tensor? attentionMask, Shuffle shuffle = Shuffle.None)
    {
        using var scope = NewDisposeScope();
        Tensor attended = Attention.forward(hidden, attentionMask, shuffle);
        return Output.forward(Intermediate.forward(attended), attended).MoveToOuterDisposeScope();
    }
}
