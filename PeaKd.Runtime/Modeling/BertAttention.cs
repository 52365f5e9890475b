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
    public BertAttention(BertConfig config) : base(nameof(BertAttention))
    {
        _self = new BertSelfAttention(config);
        _output = new BertSelfOutput(config);
        RegisterComponents();
    }

    public BertSelfAttention Self => _self;
    public BertSelfOutput Output => _output;

    public Tensor forward(Tensor hidden, Tensor? attentionMask, Shuffle shuffle = Shuffle.None)
    {
        using var scope = NewDisposeScope();
        Tensor context = Self.forward(hidden, attentionMask, shuffle);
        return Output.forward(context, hidden).MoveToOuterDisposeScope();
    }
}
