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
    public BertLayer(BertConfig config) : base(nameof(BertLayer))
    {
        _attention = new BertAttention(config);
        _intermediate = new BertIntermediate(config);
        _output = new BertOutput(config);
        RegisterComponents();
    }

    public BertAttention Attention => _attention;
    public BertIntermediate Intermediate => _intermediate;
    public BertOutput Output => _output;

    /// <summary>Runs the layer; with <see cref="Shuffle.QueryKey"/> its Query and Key projections trade roles.</summary>
    public Tensor forward(Tensor hidden, Tensor? attentionMask, Shuffle shuffle = Shuffle.None)
    {
        using var scope = NewDisposeScope();
        Tensor attended = Attention.forward(hidden, attentionMask, shuffle);
        return Output.forward(Intermediate.forward(attended), attended).MoveToOuterDisposeScope();
    }
}
