namespace PeaKd.Modeling;

/// <summary>Parameter counts of BERT parts from a config, without building the model.</summary>
public static class ParameterCount
{
    /// <summary>Word, position and token type embeddings and their LayerNorm.</summary>
    public static long Embeddings(BertConfig c) =>
        (long)(c.VocabSize + c.MaxPositionEmbeddings + c.TypeVocabSize) * c.HiddenSize + 2L * c.HiddenSize;

    /// <summary>Q, K, V and output projections, two LayerNorms, and the feed-forward pair.</summary>
    public static long Layer(BertConfig c)
    {
        long h = c.HiddenSize, i = c.IntermediateSize;
        return 4 * (h * h + h) + 2 * h + (h * i + i) + (i * h + h) + 2 * h;
    }

    /// <summary>The pooler's dense layer.</summary>
    public static long Pooler(BertConfig c) => (long)c.HiddenSize * c.HiddenSize + c.HiddenSize;

    /// <summary>Embeddings, <paramref name="ownedLayers"/> encoder layers and the pooler (no classifier).</summary>
    public static long Backbone(BertConfig c, int ownedLayers) => Embeddings(c) + ownedLayers * Layer(c) + Pooler(c);
}
