using PeaKd.Data.Tokenization;

namespace PeaKd.Bench;

/// <summary>Fixed-length random examples ([CLS] tokens [SEP]) with random labels: the same shapes every run.</summary>
internal static class SyntheticData
{
    public const int ClsId = 101;
    public const int SepId = 102;
    public const int PadId = 0;
    public const int FirstWordId = 1000;

    public static IReadOnlyList<EncodedExample> Examples(int count, int length, int vocabSize, int labels, int seed)
    {
        if (vocabSize <= FirstWordId)
        {
            throw new ArgumentException($"vocab_size must exceed {FirstWordId} (ids below it are BERT's special and unused tokens); got {vocabSize}.");
        }
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            int[] ids = new int[length];
            for (int t = 0; t < length; t++)
            {
                ids[t] = t == 0 ? ClsId : t == length - 1 ? SepId : random.Next(FirstWordId, vocabSize);
            }
            return new EncodedExample(ids, new int[length], random.Next(labels), null);
        }).ToList();
    }

    /// <summary>Batch <paramref name="index"/>'s rows when <paramref name="examples"/> are cut into consecutive batches.</summary>
    public static int[] Rows(int index, int batchSize) => Enumerable.Range(index * batchSize, batchSize).ToArray();
}
