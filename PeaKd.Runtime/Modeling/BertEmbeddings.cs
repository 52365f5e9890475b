using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace PeaKd.Modeling;

/// <summary>Word + position + token type embeddings, then LayerNorm and dropout (Hugging Face's BertEmbeddings).</summary>
public sealed class BertEmbeddings : nn.Module
{
    [ComponentName(Name = "word_embeddings")]
    private readonly Embedding _wordEmbeddings;
    [ComponentName(Name = "position_embeddings")]
    private readonly Embedding _positionEmbeddings;
    [ComponentName(Name = "token_type_embeddings")]
    private readonly Embedding _tokenTypeEmbeddings;
    [ComponentName(Name = "LayerNorm")]
    private readonly LayerNorm _layerNorm;
    private readonly double _dropout;

    /// <summary>Builds the embedding tables of <paramref name="config"/>'s sizes.</summary>
    public BertEmbeddings(BertConfig config) : base(nameof(BertEmbeddings))
    {
        _dropout = config.HiddenDropoutProb;
        _wordEmbeddings = nn.Embedding(config.VocabSize, config.HiddenSize, padding_idx: config.PadTokenId);
        _positionEmbeddings = nn.Embedding(config.MaxPositionEmbeddings, config.HiddenSize);
        _tokenTypeEmbeddings = nn.Embedding(config.TypeVocabSize, config.HiddenSize);
        _layerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        RegisterComponents();
    }

    /// <summary><c>word_embeddings</c>: [vocab_size, hidden].</summary>
    public Embedding WordEmbeddings => _wordEmbeddings;
    /// <summary><c>position_embeddings</c>: [max_position_embeddings, hidden].</summary>
    public Embedding PositionEmbeddings => _positionEmbeddings;
    /// <summary><c>token_type_embeddings</c>: [type_vocab_size, hidden].</summary>
    public Embedding TokenTypeEmbeddings => _tokenTypeEmbeddings;
    /// <summary>The LayerNorm over their sum.</summary>
    public LayerNorm LayerNorm => _layerNorm;

    /// <summary>The embedded tokens, [batch, sequence, hidden].</summary>
    /// <param name="inputIds">[batch, sequence] token ids.</param>
    /// <param name="tokenTypeIds">[batch, sequence] segment ids (0 for the first sentence, 1 for the second).</param>
    public Tensor forward(Tensor inputIds, Tensor tokenTypeIds)
    {
        using var scope = NewDisposeScope();
        long length = inputIds.shape[1];
        long maxPositions = PositionEmbeddings.weight!.shape[0];
        if (length > maxPositions)
        {
            throw new ArgumentException(
                $"The sequence has {length} tokens but the model has only {maxPositions} positions (max_position_embeddings); truncate inputs to at most {maxPositions}.");
        }
        Tensor positions = arange(length, ScalarType.Int64, inputIds.device).unsqueeze(0);
        Tensor embeddings = WordEmbeddings.forward(inputIds) + PositionEmbeddings.forward(positions) + TokenTypeEmbeddings.forward(tokenTypeIds);
        embeddings = LayerNorm.forward(embeddings);
        return ParallelDropout.Apply(embeddings, _dropout, training).MoveToOuterDisposeScope();
    }
}
