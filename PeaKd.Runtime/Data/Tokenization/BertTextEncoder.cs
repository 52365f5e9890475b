using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.ML.Tokenizers;
using PeaKd.IO;

namespace PeaKd.Data.Tokenization;

/// <summary>
/// BERT's input encoding on top of Microsoft.ML.Tokenizers' WordPiece BertTokenizer: [CLS] A [SEP] for single
/// sentences, [CLS] A [SEP] B [SEP] with segment ids 0 and 1 for pairs, and longest-first truncation (the
/// library has none for pairs: tokens are taken from the end of the longer segment, from B on ties).
/// </summary>
internal sealed class BertTextEncoder
{
    private readonly BertTokenizer _tokenizer;

    private BertTextEncoder(BertTokenizer tokenizer, string vocabFile, bool lowercase, string vocabHash)
    {
        _tokenizer = tokenizer;
        VocabFile = vocabFile;
        Lowercase = lowercase;
        VocabHash = vocabHash;
    }

    public string VocabFile { get; }
    public bool Lowercase { get; }

    /// <summary>SHA-256 of vocab.txt, part of the feature-cache key.</summary>
    public string VocabHash { get; }

    public int ClassificationTokenId => _tokenizer.ClassificationTokenId;
    public int SeparatorTokenId => _tokenizer.SeparatorTokenId;
    public int PaddingTokenId => _tokenizer.PaddingTokenId;

    /// <summary>The encoder of a model folder: its vocab.txt, lower-casing from tokenizer_config.json's
    /// do_lower_case, else from the vocabulary (no upper-case token means an uncased model).</summary>
    public static BertTextEncoder FromModelFolder(string folder)
    {
        string vocab = Path.Combine(folder, "vocab.txt");
        return FromVocab(vocab, ReadDoLowerCase(Path.Combine(folder, "tokenizer_config.json")));
    }

    public static BertTextEncoder FromVocab(string vocabFile, bool? lowercase = null)
    {
        if (!File.Exists(vocabFile))
        {
            throw new FileNotFoundException($"{vocabFile}: vocabulary not found; a model folder needs its vocab.txt.", vocabFile);
        }
        // read once, capped: a vocab.txt that is a device or a FIFO reports 0 bytes and may never end
        byte[] bytes = IO.BoundedFile.ReadAllBytes(vocabFile, MaxVocabBytes, () => new InvalidDataException(
            $"{vocabFile}: more than {MaxVocabBytes:N0} bytes, far more than a BERT vocab.txt (about 230 KB for 30,522 tokens); is this the model's vocab.txt?"));
        IReadOnlyList<string> lines = IO.BoundedFile.Lines(bytes);
        CheckVocabulary(vocabFile, lines);
        bool lower = lowercase ?? IsUncased(lines);
        var options = new BertOptions
        {
            LowerCaseBeforeTokenization = lower,
            RemoveNonSpacingMarks = lower, // BERT strips accents exactly when it lower-cases
            ApplyBasicTokenization = true,
        };
        using var vocabulary = new MemoryStream(bytes, writable: false);
        BertTokenizer tokenizer = BertTokenizer.Create(vocabulary, options);
        return new BertTextEncoder(tokenizer, vocabFile, lower, Convert.ToHexString(SHA256.HashData(bytes))) { LineCount = lines.Count };
    }

    /// <summary>The most bytes a vocab.txt may hold: the largest BERT vocabularies are a few megabytes.</summary>
    public const long MaxVocabBytes = Folders.ModelFiles.MaxVocabularyBytes;

    /// <summary>The vocab.txt's lines, as it was read (tokens, and any blank lines).</summary>
    public int LineCount { get; private init; }

    /// <summary>The special tokens every BERT vocabulary has and the encoder needs.</summary>
    public static readonly string[] SpecialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"];

    /// <summary>A vocab.txt must list tokens, the special ones among them; an empty or foreign file is refused here,
    /// naming it, rather than surfacing later as an unknown-token error without a file name.</summary>
    public static void CheckVocabulary(string vocabFile, IEnumerable<string> lines)
    {
        var tokens = new HashSet<string>(StringComparer.Ordinal);
        foreach (string line in lines)
        {
            tokens.Add(line.TrimEnd('\r'));
        }
        tokens.Remove("");
        if (tokens.Count == 0)
        {
            throw new InvalidDataException($"{vocabFile}: the vocabulary is empty; a BERT vocab.txt lists one token per line ([PAD], [UNK], [CLS], [SEP], then word pieces). Use the model's own vocab.txt.");
        }
        string[] missing = SpecialTokens.Where(t => !tokens.Contains(t)).ToArray();
        if (missing.Length > 0)
        {
            throw new InvalidDataException($"{vocabFile}: the vocabulary ({tokens.Count:N0} tokens) has no {string.Join(", ", missing)}; a BERT vocab.txt lists [PAD], [UNK], [CLS] and [SEP]. Is this the model's vocab.txt?");
        }
    }

    /// <summary>WordPiece ids of one text, without special tokens.</summary>
    public IReadOnlyList<int> Tokenize(string text) => _tokenizer.EncodeToIds(text, addSpecialTokens: false);

    /// <param name="text">The sentence, or the first of a pair.</param>
    /// <param name="pair">The second sentence, or null.</param>
    /// <param name="maxLength">The most tokens, special tokens included (at least 3 for pairs, 2 otherwise).</param>
    public (int[] InputIds, int[] TokenTypeIds) Encode(string text, string? pair, int maxLength)
    {
        int special = pair is null ? 2 : 3;
        if (maxLength < special)
        {
            throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, $"max length must leave room for {special} special tokens.");
        }
        var first = Tokenize(text).ToList();
        var second = pair is null ? [] : Tokenize(pair).ToList();
        TruncateLongestFirst(first, second, maxLength - special);

        var ids = new List<int>(first.Count + second.Count + special) { ClassificationTokenId };
        ids.AddRange(first);
        ids.Add(SeparatorTokenId);
        int firstSegment = ids.Count;
        if (pair is not null)
        {
            ids.AddRange(second);
            ids.Add(SeparatorTokenId);
        }
        int[] segments = new int[ids.Count];
        Array.Fill(segments, 1, firstSegment, ids.Count - firstSegment);
        return (ids.ToArray(), segments);
    }

    /// <summary>Removes tokens one at a time from the end of the longer list (the second on ties) until both fit.</summary>
    public static void TruncateLongestFirst(List<int> first, List<int> second, int budget)
    {
        while (first.Count + second.Count > budget)
        {
            List<int> longer = first.Count > second.Count ? first : second;
            longer.RemoveAt(longer.Count - 1);
        }
    }

    private static bool? ReadDoLowerCase(string tokenizerConfig)
    {
        if (!File.Exists(tokenizerConfig))
        {
            return null;
        }
        try
        {
            string text = IO.BoundedFile.ReadAllText(tokenizerConfig, JsonFile.MaxBytes, () => new DataFormatException(tokenizerConfig, null,
                $"more than {JsonFile.MaxBytes:N0} bytes, far more than a tokenizer_config.json can be (a device or a pipe?); is this the right file?"));
            using JsonDocument json = JsonDocument.Parse(text);
            return json.RootElement.TryGetProperty("do_lower_case", out JsonElement value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False
                ? value.GetBoolean()
                : null;
        }
        catch (JsonException e)
        {
            throw new DataFormatException(tokenizerConfig, (int)(e.LineNumber ?? 0) + 1, $"not valid JSON: {e.Message}");
        }
    }

    /// <summary>
    /// Whether a vocabulary is uncased. Cased BERT vocabularies hold thousands of tokens with capitals; uncased
    /// ones hold none but a few symbols that Unicode calls upper case (e.g. "ℝ"), hence a threshold.
    /// </summary>
    public static bool IsUncased(IEnumerable<string> tokens) =>
        tokens.Count(token => !(token.StartsWith('[') && token.EndsWith(']')) && token.Any(char.IsUpper)) < UpperCaseTokensOfCasedVocabulary;

    private const int UpperCaseTokensOfCasedVocabulary = 100;
}
