using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace PeaKd.Modeling;

/// <summary>
/// The BERT backbone as a parameter container: <c>embeddings</c>, <c>encoder.layer.N</c> and <c>pooler</c>.
/// The order in which layers run is the job of the model that holds it (<see cref="BertClassifier"/>).
/// </summary>
public sealed class BertModel : nn.Module
{
    [ComponentName(Name = "embeddings")]
    private readonly BertEmbeddings _embeddings;
    [ComponentName(Name = "encoder")]
    private readonly BertEncoder _encoder;
    [ComponentName(Name = "pooler")]
    private readonly BertPooler _pooler;
    /// <summary>Builds embeddings, <paramref name="layers"/> encoder layers and the pooler of <paramref name="config"/>'s sizes.</summary>
    public BertModel(BertConfig config, int layers) : base(nameof(BertModel))
    {
        _embeddings = new BertEmbeddings(config);
        _encoder = new BertEncoder(config, layers);
        _pooler = new BertPooler(config);
        RegisterComponents();
    }

    /// <summary><c>embeddings</c>.</summary>
    public BertEmbeddings Embeddings => _embeddings;
    /// <summary><c>encoder</c>: the layers that own parameters.</summary>
    public BertEncoder Encoder => _encoder;
    /// <summary><c>pooler</c>.</summary>
    public BertPooler Pooler => _pooler;

    /// <summary>
    /// The additive attention mask [batch, 1, 1, sequence]: 0 where <paramref name="attentionMask"/> is 1,
    /// the dtype's lowest value where it is 0 (padding), as Hugging Face builds it.
    /// </summary>
    /// <param name="attentionMask">[batch, sequence], 1 for tokens and 0 for padding.</param>
    /// <param name="dtype">The dtype attention computes in.</param>
    internal static Tensor ExtendAttentionMask(Tensor attentionMask, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        double lowest = dtype switch
        {
            ScalarType.Float16 => -65504.0,
            ScalarType.BFloat16 => -3.3895313892515355e38, // (2 - 2^-7) * 2^127, bf16's lowest finite value
            ScalarType.Float32 => float.MinValue,
            _ => double.MinValue,
        };
        Tensor padding = attentionMask.eq(0).unsqueeze(1).unsqueeze(1);
        return zeros(padding.shape, dtype, attentionMask.device).masked_fill(padding, lowest).MoveToOuterDisposeScope();
    }
}
