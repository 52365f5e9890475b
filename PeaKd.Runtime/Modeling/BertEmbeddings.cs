using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PeaKd.Modeling;

/// <summary>Word + position + token type embeddings, then LayerNorm and dropout (Hugging Face's BertEmbeddings).</summary>
public sealed class BertEmbeddings : nn.Module
{
    private readonly double _dropout;

    public BertEmbeddings(BertConfig config) : base(nameof(BertEmbeddings))
    {
        _dropout = config.HiddenDropoutProb;
        WordEmbeddings = this.Register("word_embeddings", nn.Embedding(config.VocabSize, config.HiddenSize, padding_idx: config.PadTokenId));
        PositionEmbeddings = this.Register("position_embeddings", nn.Embedding(config.MaxPositionEmbeddings, config.HiddenSize));
        TokenTypeEmbeddings = this.Register("token_type_embeddings", nn.Embedding(config.TypeVocabSize, config.HiddenSize));
        LayerNorm = this.Register("LayerNorm", nn.LayerNorm(config.HiddenSize, config.LayerNormEps));
    }

    public Embedding WordEmbeddings { get; }
    public Embedding PositionEmbeddings { get; }
    public Embedding TokenTypeEmbeddings { get; }
    public LayerNorm LayerNorm { get; }

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
        return nn.functional.dropout(embeddings, _dropout, training).MoveToOuterDisposeScope();
    }
}
