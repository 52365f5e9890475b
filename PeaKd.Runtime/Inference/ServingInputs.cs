using PeaKd.Data.Tokenization;

namespace PeaKd.Inference;

/// <summary>
/// The fixed-shape inputs serving speed is timed on: random token ids, every row exactly the asked length (no padding,
/// one segment). A dense encoder's time depends on the shape, not on which tokens fill it, so full rows time the
/// longest input the model takes, whatever the length of a task's texts.
/// </summary>
internal static class ServingInputs
{
    /// <summary><paramref name="batch"/> rows of <paramref name="length"/> token ids drawn (seeded) from the upper part of
    /// the vocabulary: from id 1000 in a BERT vocabulary, past [PAD], [UNK], [CLS], [SEP], [MASK] and the unused ids.</summary>
    /// <param name="vocabularySize">The model's vocabulary size.</param>
    /// <param name="batch">Rows.</param>
    /// <param name="length">Tokens per row.</param>
    /// <param name="seed">The random draw's seed.</param>
    public static EncodedExample[] Random(int vocabularySize, int batch, int length, int seed = 1)
    {
        var random = new Random(seed);
        int first = Math.Min(1000, vocabularySize / 2); // a tiny test vocabulary has no id 1000
        return Enumerable.Range(0, batch)
            .Select(_ => new EncodedExample(Enumerable.Range(0, length).Select(_ => random.Next(first, vocabularySize)).ToArray(), new int[length], null, null))
            .ToArray();
    }
}
