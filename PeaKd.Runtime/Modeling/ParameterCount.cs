namespace PeaKd.Modeling;

/// <summary>Parameter counts of BERT parts from a config, without building the model. Every size is widened to
/// <see langword="long"/> before any sum or product (max_position_embeddings alone may be 2^31 - 1), and a count past
/// <see cref="long.MaxValue"/> is an <see cref="InvalidConfigException"/> rather than a wrapped, negative number.</summary>
public static class ParameterCount
{
    /// <summary>Word, position and token type embeddings and their LayerNorm.</summary>
    public static long Embeddings(BertConfig c)
    {
        ArgumentNullException.ThrowIfNull(c);
        long h = c.HiddenSize, rows = (long)c.VocabSize + c.MaxPositionEmbeddings + c.TypeVocabSize;
        return Checked(c, () => checked(rows * h + 2 * h));
    }

    /// <summary>Q, K, V and output projections, two LayerNorms, and the feed-forward pair.</summary>
    public static long Layer(BertConfig c)
    {
        ArgumentNullException.ThrowIfNull(c);
        long h = c.HiddenSize, i = c.IntermediateSize;
        return Checked(c, () => checked(4 * (h * h + h) + 2 * h + (h * i + i) + (i * h + h) + 2 * h));
    }

    /// <summary>The pooler's dense layer.</summary>
    public static long Pooler(BertConfig c)
    {
        ArgumentNullException.ThrowIfNull(c);
        long h = c.HiddenSize;
        return Checked(c, () => checked(h * h + h));
    }

    /// <summary>Embeddings, <paramref name="ownedLayers"/> encoder layers and the pooler (no classifier).</summary>
    public static long Backbone(BertConfig c, int ownedLayers) => Checked(c, () => checked(Embeddings(c) + ownedLayers * Layer(c) + Pooler(c)));

    /// <summary>The count, or an error naming the sizes when it does not fit a long (only an absurd config's does not).</summary>
    private static long Checked(BertConfig c, Func<long> count)
    {
        try
        {
            return count(); // each count is computed checked
        }
        catch (OverflowException)
        {
            throw new InvalidConfigException(nameof(BertConfig), "(size)",
                $"the config describes about {Estimate(c):G3} parameters (vocab_size {c.VocabSize}, hidden_size {c.HiddenSize}, intermediate_size {c.IntermediateSize}, " +
                $"max_position_embeddings {c.MaxPositionEmbeddings}, type_vocab_size {c.TypeVocabSize}), more than a count can hold. Check the config's sizes.");
        }
    }

    /// <summary>Every parameter of the classifier a config describes, in floating point: sizes that fit an int can
    /// still multiply past a long.</summary>
    internal static double Estimate(BertConfig c, int? ownedLayers = null)
    {
        double h = c.HiddenSize, i = c.IntermediateSize;
        double embeddings = ((double)c.VocabSize + c.MaxPositionEmbeddings + c.TypeVocabSize) * h + 2 * h;
        double layer = 4 * (h * h + h) + 2 * h + (h * i + i) + (i * h + h) + 2 * h;
        return embeddings + (ownedLayers ?? c.NumHiddenLayers) * layer + (h * h + h) + (h * c.NumLabels + c.NumLabels);
    }

    /// <summary>Refuses, before anything is allocated, a model whose fp32 weights alone exceed the memory this process
    /// may use (a config of absurd sizes would otherwise hang or crash inside libtorch).</summary>
    /// <param name="c">The config.</param>
    /// <param name="source">The config's file, for the message.</param>
    /// <param name="ownedLayers">The layers that own parameters, when fewer than the config's.</param>
    internal static void CheckFitsInMemory(BertConfig c, string source, int? ownedLayers = null)
    {
        double bytes = 4 * Estimate(c, ownedLayers);
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (bytes > available)
        {
            throw new InvalidConfigException(source, "(size)",
                $"the model has {Estimate(c, ownedLayers):G3} parameters (vocab_size {c.VocabSize}, hidden_size {c.HiddenSize}, num_hidden_layers {ownedLayers ?? c.NumHiddenLayers}, intermediate_size {c.IntermediateSize}, max_position_embeddings {c.MaxPositionEmbeddings}, type_vocab_size {c.TypeVocabSize}), " +
                $"{bytes / 1e9:G3} GB in fp32, more than the {available / 1e9:F1} GB of memory here. Check the config's sizes.");
        }
    }
}
