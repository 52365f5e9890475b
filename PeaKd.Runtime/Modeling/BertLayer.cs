using TorchSharp;
using static TorchSharp.torch;

namespace PeaKd.Modeling;

/// <summary>One transformer encoder layer (Hugging Face's BertLayer).</summary>
public sealed class BertLayer : nn.Module
{
    public BertLayer(BertConfig config) : base(nameof(BertLayer))
    {
        Attention = this.Register("attention", new BertAttention(config));
        Intermediate = this.Register("intermediate", new BertIntermediate(config));
        Output = this.Register("output", new BertOutput(config));
    }

    public BertAttention Attention { get; }
    public BertIntermediate Intermediate { get; }
    public BertOutput Output { get; }

    /// <summary>Runs the layer; with <see cref="Shuffle.QueryKey"/> its Query and Key projections trade roles.</summary>
    public Tensor forward(Tensor hidden, Tensor? attentionMask, Shuffle shuffle = Shuffle.None)
    {
        using var scope = NewDisposeScope();
        Tensor attended = Attention.forward(hidden, attentionMask, shuffle);
        return Output.forward(Intermediate.forward(attended), attended).MoveToOuterDisposeScope();
    }
}
