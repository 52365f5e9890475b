using PeaKd.Precision;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace PeaKd.Modeling;

/// <summary>
/// Multi-head scaled dot-product self-attention (Hugging Face's BertSelfAttention). With
/// <see cref="Shuffle.QueryKey"/> the same parameters run with the Query and Key roles exchanged,
/// the primitive that shuffled parameter sharing needs.
/// </summary>
public sealed class BertSelfAttention : nn.Module
{
    [ComponentName(Name = "query")]
    private readonly Linear _query;
    [ComponentName(Name = "key")]
    private readonly Linear _key;
    [ComponentName(Name = "value")]
    private readonly Linear _value;
    private readonly int _heads;
    private readonly double _dropout;

    /// <summary>Builds the projections of <paramref name="config"/>'s sizes.</summary>
    public BertSelfAttention(BertConfig config) : base(nameof(BertSelfAttention))
    {
        _heads = config.NumAttentionHeads;
        _dropout = config.AttentionProbsDropoutProb;
        _query = nn.Linear(config.HiddenSize, config.HiddenSize);
        _key = nn.Linear(config.HiddenSize, config.HiddenSize);
        _value = nn.Linear(config.HiddenSize, config.HiddenSize);
        RegisterComponents();
    }

    /// <summary><c>attention.self.query</c>.</summary>
    public Linear Query => _query;
    /// <summary><c>attention.self.key</c>.</summary>
    public Linear Key => _key;
    /// <summary><c>attention.self.value</c>.</summary>
    public Linear Value => _value;

    /// <summary>The attended values, [batch, sequence, hidden].</summary>
    /// <param name="hidden">[batch, sequence, hidden].</param>
    /// <param name="attentionMask">Additive mask broadcastable to [batch, heads, sequence, sequence], or null.</param>
    /// <param name="shuffle">Whether queries and keys come from the exchanged projections.</param>
    public Tensor forward(Tensor hidden, Tensor? attentionMask, Shuffle shuffle = Shuffle.None)
    {
        using var scope = NewDisposeScope();
        (Linear queryProjection, Linear keyProjection) = shuffle == Shuffle.QueryKey ? (Key, Query) : (Query, Key);
        Tensor input = MixedPrecision.ToCompute(hidden); // cast once for the three projections
        Tensor queries = SplitHeads(MixedPrecision.Linear(queryProjection, input));
        Tensor keys = SplitHeads(MixedPrecision.Linear(keyProjection, input));
        Tensor values = SplitHeads(MixedPrecision.Linear(Value, input));
        double dropout = training ? _dropout : 0.0;
        Tensor context = dropout > 0 && queries.device_type == DeviceType.CPU
            ? ExplicitAttention(queries, keys, values, attentionMask, dropout)
            : nn.functional.scaled_dot_product_attention(queries, keys, values, attentionMask, dropout);
        long batch = hidden.shape[0], length = hidden.shape[1], width = hidden.shape[2];
        return context.transpose(1, 2).reshape(batch, length, width).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Attention as three operations, used for training with dropout on the CPU: there libtorch's fused attention
    /// falls back to its math path, which draws the dropout mask serially (see <see cref="ParallelDropout"/>) and
    /// upcasts bf16 inputs to fp32; it ran 1.9x slower than this in bf16 before the dropout change
    /// (32 x 12 x 128 x 64, forward and backward, 2 threads). In bf16 the softmax takes the bf16 scores and
    /// accumulates in fp32 inside libtorch's kernel; its output is rounded to bf16, which the next product needs anyway.
    /// </summary>
    internal static Tensor ExplicitAttention(Tensor queries, Tensor keys, Tensor values, Tensor? attentionMask, double dropout)
    {
        Tensor scores = queries.matmul(keys.transpose(-1, -2)).mul_(1.0 / Math.Sqrt(queries.shape[^1]));
        if (attentionMask is not null)
        {
            scores = scores.add_(attentionMask);
        }
        Tensor probabilities = ParallelDropout.Apply(nn.functional.softmax(scores, -1), dropout, training: true);
        return probabilities.matmul(values);
    }

    private Tensor SplitHeads(Tensor projected)
    {
        long batch = projected.shape[0], length = projected.shape[1], width = projected.shape[2];
        return projected.view(batch, length, _heads, width / _heads).transpose(1, 2);
    }
}
