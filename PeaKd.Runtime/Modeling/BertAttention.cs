using TorchSharp;
using static TorchSharp.torch;

namespace PeaKd.Modeling;

/// <summary>Self-attention followed by its output block (Hugging Face's BertAttention).</summary>
public sealed class BertAttention : nn.Module
{
    public BertAttention(BertConfig config) : base(nameof(BertAttention))
    {
        Self = this.Register("self", new BertSelfAttention(config));
        Output = this.Register("output", new BertSelfOutput(config));
    }

    public BertSelfAttention Self { get; }
    public BertSelfOutput Output { get; }

    public Tensor forward(Tensor hidden, Tensor? attentionMask, Shuffle shuffle = Shuffle.None)
    {
        using var scope = NewDisposeScope();
        Tensor context = Self.forward(hidden, attentionMask, shuffle);
        return Output.forward(context, hidden).MoveToOuterDisposeScope();
    }
}
