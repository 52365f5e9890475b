using PeaKd.Data.Tokenization;
using static TorchSharp.torch;

namespace PeaKd.Data.Batching;

/// <summary>Orders examples into batches (seeded shuffle, optional length bucketing) and pads each batch
/// only to its own longest example.</summary>
internal static class Batcher
{
    /// <summary>Batches per bucket: bucketing sorts by length within groups of this many batches, then shuffles the batches.</summary>
    public const int BucketBatches = 50;

    /// <param name="examples">The encoded data set.</param>
    /// <param name="batchSize">Examples per batch (the last one may be smaller).</param>
    /// <param name="shuffleSeed">Shuffle with this seed (same seed, same order); null keeps the data order.</param>
    /// <param name="bucketByLength">Group examples of similar length so batches carry less padding.</param>
    public static IReadOnlyList<int[]> Order(IReadOnlyList<EncodedExample> examples, int batchSize, int? shuffleSeed, bool bucketByLength = false)
    {
        if (batchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be at least 1.");
        }
        int[] order = Enumerable.Range(0, examples.Count).ToArray();
        Random? random = shuffleSeed is int seed ? new Random(seed) : null;
        random?.Shuffle(order);

        IEnumerable<int[]> batches;
        if (bucketByLength)
        {
            batches = order.Chunk(batchSize * BucketBatches)
                .SelectMany(bucket => bucket.OrderBy(i => examples[i].Length).ThenBy(i => i).Chunk(batchSize));
        }
        else
        {
            batches = order.Chunk(batchSize);
        }
        int[][] result = batches.ToArray();
        if (bucketByLength)
        {
            random?.Shuffle(result); // otherwise every epoch would run short batches first
        }
        return result;
    }

    /// <summary>Builds the padded tensors of one batch on <paramref name="device"/>.</summary>
    public static Batch Collate(IReadOnlyList<EncodedExample> examples, int[] indices, int paddingId, Device? device = null)
    {
        int longest = indices.Max(i => examples[i].Length);
        var ids = new long[indices.Length * longest];
        var mask = new long[ids.Length];
        var types = new long[ids.Length];
        Array.Fill(ids, paddingId);
        for (int row = 0; row < indices.Length; row++)
        {
            EncodedExample example = examples[indices[row]];
            for (int t = 0; t < example.Length; t++)
            {
                ids[row * longest + t] = example.InputIds[t];
                mask[row * longest + t] = 1;
                types[row * longest + t] = example.TokenTypeIds[t];
            }
        }
        long[] shape = [indices.Length, longest];
        Tensor? labels = indices.All(i => examples[i].Label is not null)
            ? tensor(indices.Select(i => (long)examples[i].Label!.Value).ToArray(), device: device) : null;
        Tensor? targets = indices.All(i => examples[i].Target is not null)
            ? tensor(indices.Select(i => examples[i].Target!.Value).ToArray(), device: device) : null;
        return new Batch(tensor(ids, shape, device: device), tensor(mask, shape, device: device), tensor(types, shape, device: device), labels, targets, indices);
    }
}
