using System.Security.Cryptography;
using System.Text;
using PeaKd.IO;

namespace PeaKd.Data.Tokenization;

/// <summary>
/// Tokenizes a data set once: features are stored under a key made of the data file's hash, the vocabulary's
/// hash, the max length and the lower-casing, so a second run with the same inputs skips tokenization. A cache
/// file carries a SHA-256 of its content; a damaged one is ignored and rewritten.
/// </summary>
internal static class FeatureCache
{
    private const int Magic = 0x46444B50; // "PKDF"
    private const int Version = 1;

    /// <param name="data">The split to encode.</param>
    /// <param name="encoder">The model's text encoder.</param>
    /// <param name="maxLength">Tokens per example, special tokens included.</param>
    /// <param name="cacheFolder">Where cache files live; null disables caching.</param>
    /// <param name="fromCache">True when the features were read from the cache.</param>
    public static IReadOnlyList<EncodedExample> Encode(Dataset data, BertTextEncoder encoder, int maxLength, string? cacheFolder, out bool fromCache)
    {
        string? path = cacheFolder is null ? null : Path.Combine(cacheFolder, $"{Safe(data.Task)}-{data.Split}-{Key(data, encoder, maxLength)}.features");
        if (path is not null && TryRead(path, out List<EncodedExample>? cached))
        {
            fromCache = true;
            return cached;
        }

        var features = new List<EncodedExample>(data.Examples.Count);
        foreach (Example example in data.Examples)
        {
            (int[] ids, int[] types) = encoder.Encode(example.Text, example.TextPair, maxLength);
            features.Add(new EncodedExample(ids, types, example.Label, example.Target));
        }
        if (path is not null)
        {
            Write(path, features);
        }
        fromCache = false;
        return features;
    }

    /// <summary>The cache key: data file, vocabulary, max length, casing and label set.</summary>
    public static string Key(Dataset data, BertTextEncoder encoder, int maxLength)
    {
        string identity = string.Join("\n", data.ContentHash, encoder.VocabHash, maxLength, encoder.Lowercase, data.Task, string.Join("\t", data.Labels));
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(identity)))[..20].ToLowerInvariant();
    }

    private static string Safe(string name) => new(name.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant).ToArray());

    private static void Write(string path, List<EncodedExample> features)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(Version);
            writer.Write(features.Count);
            foreach (EncodedExample feature in features)
            {
                writer.Write(feature.Length);
                writer.Write(feature.Label ?? -1);
                writer.Write(feature.Target ?? float.NaN);
                foreach (int id in feature.InputIds)
                {
                    writer.Write(id);
                }
                foreach (int type in feature.TokenTypeIds)
                {
                    writer.Write((byte)type);
                }
            }
        }
        byte[] content = buffer.ToArray();
        AtomicFile.Write(path, temporary =>
        {
            using FileStream file = File.Create(temporary);
            file.Write(content);
            file.Write(SHA256.HashData(content));
        });
    }

    private static bool TryRead(string path, out List<EncodedExample> features)
    {
        features = [];
        if (!File.Exists(path))
        {
            return false;
        }
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 32 + 12 || !SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32)).AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - 32)))
        {
            return false; // damaged or partial: recompute
        }
        using var reader = new BinaryReader(new MemoryStream(bytes, 0, bytes.Length - 32));
        if (reader.ReadInt32() != Magic || reader.ReadInt32() != Version)
        {
            return false;
        }
        int count = reader.ReadInt32();
        for (int i = 0; i < count; i++)
        {
            int length = reader.ReadInt32();
            int label = reader.ReadInt32();
            float target = reader.ReadSingle();
            var ids = new int[length];
            for (int j = 0; j < length; j++)
            {
                ids[j] = reader.ReadInt32();
            }
            var types = new int[length];
            for (int j = 0; j < length; j++)
            {
                types[j] = reader.ReadByte();
            }
            features.Add(new EncodedExample(ids, types, label < 0 ? null : label, float.IsNaN(target) ? null : target));
        }
        return true;
    }
}
