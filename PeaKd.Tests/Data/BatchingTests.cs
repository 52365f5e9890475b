using PeaKd.Data.Batching;
using PeaKd.Data.Tokenization;
using Xunit;
using PeaKd.Tests.Infrastructure;

namespace PeaKd.Tests.Data;

[Collection(TrainingCollection.Name)]
public class BatchingTests
{
    private static List<EncodedExample> Examples(params int[] lengths) =>
        lengths.Select((length, i) => new EncodedExample(
            Enumerable.Range(10, length).ToArray(), Enumerable.Repeat(0, length).ToArray(), i % 2, null)).ToList();

    [Fact]
    public void A_batch_is_padded_to_its_own_longest_example()
    {
        List<EncodedExample> examples = Examples(3, 5, 2);
        using Batch batch = Batcher.Collate(examples, [0, 2], paddingId: 0);
        Assert.Equal([2L, 3L], batch.InputIds.shape);
        Assert.Equal([10L, 11, 12, 10, 11, 0], batch.InputIds.data<long>().ToArray());
        Assert.Equal([1L, 1, 1, 1, 1, 0], batch.AttentionMask.data<long>().ToArray());
        Assert.Equal([0L, 0], batch.Labels!.data<long>().ToArray());
        Assert.Null(batch.Targets);
    }

    [Fact]
    public void The_shuffle_is_fixed_by_the_seed_and_covers_every_example_once()
    {
        List<EncodedExample> examples = Examples(Enumerable.Range(0, 100).Select(i => 2 + i % 17).ToArray());
        IReadOnlyList<int[]> first = Batcher.Order(examples, 8, shuffleSeed: 42);
        IReadOnlyList<int[]> again = Batcher.Order(examples, 8, shuffleSeed: 42);
        IReadOnlyList<int[]> other = Batcher.Order(examples, 8, shuffleSeed: 43);

        Assert.Equal(first, again);
        Assert.NotEqual(first.SelectMany(b => b), other.SelectMany(b => b));
        Assert.Equal(Enumerable.Range(0, 100), first.SelectMany(b => b).Order());
        Assert.Equal(13, first.Count);
        Assert.Equal(Enumerable.Range(0, 100), Batcher.Order(examples, 8, shuffleSeed: null).SelectMany(b => b));
    }

    [Fact]
    public void Length_bucketing_cuts_padding()
    {
        List<EncodedExample> examples = Examples(Enumerable.Range(0, 400).Select(i => 2 + (i * 37) % 120).ToArray());
        long Padded(IReadOnlyList<int[]> batches) => batches.Sum(b => (long)b.Length * b.Max(i => examples[i].Length));

        IReadOnlyList<int[]> plain = Batcher.Order(examples, 16, shuffleSeed: 1);
        IReadOnlyList<int[]> bucketed = Batcher.Order(examples, 16, shuffleSeed: 1, bucketByLength: true);
        Assert.Equal(Enumerable.Range(0, 400), bucketed.SelectMany(b => b).Order());
        Assert.True(Padded(bucketed) < Padded(plain) * 0.7, $"bucketed {Padded(bucketed)} vs plain {Padded(plain)} padded tokens");
        Assert.Equal(bucketed, Batcher.Order(examples, 16, shuffleSeed: 1, bucketByLength: true));
    }
}
