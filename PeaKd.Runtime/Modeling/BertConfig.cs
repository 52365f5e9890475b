using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PeaKd.IO;
using PeaKd.Options;

namespace PeaKd.Modeling;

/// <summary>
/// The sizes and hyper-parameters of a BERT model, with the field names of Hugging Face's
/// config.json (<c>hidden_size</c> is <see cref="HiddenSize"/>, and so on).
/// </summary>
public sealed record BertConfig
{
    /// <summary><c>vocab_size</c>: rows of the word embedding table.</summary>
    public int VocabSize { get; init; } = 30522;
    /// <summary><c>hidden_size</c>: the width of every layer.</summary>
    public int HiddenSize { get; init; } = 768;
    /// <summary><c>num_hidden_layers</c>: encoder layers.</summary>
    public int NumHiddenLayers { get; init; } = 12;
    /// <summary><c>num_attention_heads</c>: heads per attention (they divide the hidden size).</summary>
    public int NumAttentionHeads { get; init; } = 12;
    /// <summary><c>intermediate_size</c>: the feed-forward width.</summary>
    public int IntermediateSize { get; init; } = 3072;
    /// <summary><c>hidden_act</c>: the feed-forward activation (<see cref="SupportedActivations"/>).</summary>
    public string HiddenAct { get; init; } = "gelu";
    /// <summary><c>hidden_dropout_prob</c>, in [0, 1).</summary>
    public double HiddenDropoutProb { get; init; } = 0.1;
    /// <summary><c>attention_probs_dropout_prob</c>, in [0, 1).</summary>
    public double AttentionProbsDropoutProb { get; init; } = 0.1;
    /// <summary><c>max_position_embeddings</c>: the longest input, in tokens.</summary>
    public int MaxPositionEmbeddings { get; init; } = 512;
    /// <summary><c>type_vocab_size</c>: segment ids (2: first and second sentence).</summary>
    public int TypeVocabSize { get; init; } = 2;
    /// <summary><c>layer_norm_eps</c>.</summary>
    public double LayerNormEps { get; init; } = 1e-12;
    /// <summary><c>initializer_range</c>: the standard deviation of fresh weights.</summary>
    public double InitializerRange { get; init; } = 0.02;
    /// <summary><c>pad_token_id</c>.</summary>
    public int PadTokenId { get; init; }

    /// <summary>Class names by label id (Hugging Face's <c>id2label</c>); their count is the number of labels.</summary>
    public IReadOnlyList<string> Labels { get; init; } = ["LABEL_0", "LABEL_1"];

    /// <summary>"single_label_classification" or "regression" (STS-B); null leaves it to the task.</summary>
    public string? ProblemType { get; init; }

    /// <summary>Where the weights came from (Hugging Face's <c>_name_or_path</c>): a fine-tuned teacher records the
    /// pretrained folder it started from, where students are initialised from by default. Provenance, not
    /// architecture: <see cref="Equals(BertConfig)"/> ignores it.</summary>
    public string? NameOrPath { get; init; }

    /// <summary>The classifier's outputs: the number of <see cref="Labels"/>.</summary>
    public int NumLabels => Labels.Count;
    /// <summary>The width of one attention head.</summary>
    public int HeadSize => HiddenSize / NumAttentionHeads;

    /// <summary>bert-base-uncased: 12 layers, hidden 768, 12 heads, FFN 3072.</summary>
    public static BertConfig BertBase { get; } = new();

    /// <summary>Activations the modeling code implements, by their Hugging Face names.</summary>
    internal static IReadOnlyList<string> SupportedActivations { get; } = ["gelu", "gelu_new", "gelu_pytorch_tanh", "relu"];

    /// <summary>A copy with <paramref name="count"/> labels named LABEL_0, LABEL_1, ...</summary>
    internal BertConfig WithLabelCount(int count) =>
        this with { Labels = Enumerable.Range(0, count).Select(i => $"LABEL_{i}").ToArray() };

    /// <summary>Throws <see cref="InvalidConfigException"/> naming the first invalid field.</summary>
    internal void Validate(string source = "BertConfig")
    {
        RequirePositive(source, "vocab_size", VocabSize);
        RequirePositive(source, "hidden_size", HiddenSize);
        RequirePositive(source, "num_hidden_layers", NumHiddenLayers);
        if (NumHiddenLayers > MaxLayers)
        {
            // building that many layer modules takes minutes before any size check on memory could help
            throw new InvalidConfigException(source, "num_hidden_layers",
                $"num_hidden_layers is {NumHiddenLayers:N0}; PeaKd builds at most {MaxLayers:N0} (the deepest BERT models have 48). Check the config.");
        }
        RequirePositive(source, "num_attention_heads", NumAttentionHeads);
        RequirePositive(source, "intermediate_size", IntermediateSize);
        RequirePositive(source, "max_position_embeddings", MaxPositionEmbeddings);
        RequirePositive(source, "type_vocab_size", TypeVocabSize);
        if (HiddenSize % NumAttentionHeads != 0)
        {
            throw new InvalidConfigException(source, "hidden_size",
                $"hidden_size {HiddenSize} is not divisible by num_attention_heads {NumAttentionHeads}.");
        }
        if (!SupportedActivations.Contains(HiddenAct))
        {
            throw new InvalidConfigException(source, "hidden_act",
                $"hidden_act '{HiddenAct}' is not supported; use one of {string.Join(", ", SupportedActivations)}.");
        }
        RequireProbability(source, "hidden_dropout_prob", HiddenDropoutProb);
        RequireProbability(source, "attention_probs_dropout_prob", AttentionProbsDropoutProb);
        if (!(LayerNormEps > 0 && LayerNormEps <= MaxLayerNormEps))
        {
            // an epsilon near the variance itself flattens every LayerNorm's output: the model computes nothing useful
            throw new InvalidConfigException(source, "layer_norm_eps", $"layer_norm_eps must be in (0, {MaxLayerNormEps}], got {LayerNormEps} (BERT uses 1e-12).");
        }
        if (!(InitializerRange > 0))
        {
            throw new InvalidConfigException(source, "initializer_range", $"initializer_range must be positive, got {InitializerRange}.");
        }
        if (Labels.Count < 1)
        {
            throw new InvalidConfigException(source, "id2label", "at least one label is needed.");
        }
        if (Labels.FirstOrDefault(label => label.Length == 0 || label.Any(char.IsControl)) is string unprintable)
        {
            // a tab or a line break in a name splits the TSV lines predictions are written as
            throw new InvalidConfigException(source, "id2label",
                $"label '{unprintable.ReplaceLineEndings("\\n").Replace("\t", "\\t", StringComparison.Ordinal)}' is empty or holds a control character (a tab, a line break); label names must be printable.");
        }
        if (Labels.GroupBy(label => label, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new InvalidConfigException(source, "id2label", $"label '{twice.Key}' names {twice.Count()} outputs; each output needs its own name, or predictions could not say which it is.");
        }
        if (PadTokenId < 0 || PadTokenId >= VocabSize)
        {
            throw new InvalidConfigException(source, "pad_token_id", $"pad_token_id {PadTokenId} is outside the vocabulary (size {VocabSize}).");
        }
    }

    /// <summary>The largest <c>layer_norm_eps</c> accepted: far above any BERT's (1e-12 to 1e-5), far below a variance.</summary>
    internal const double MaxLayerNormEps = 1e-3;

    /// <summary>The most encoder layers a config may declare.</summary>
    internal const int MaxLayers = 1000;

    /// <summary>A config.json is under a kilobyte; even one with thousands of labels is far below this.</summary>
    internal const long MaxFileBytes = 4 << 20;

    /// <summary>Reads a Hugging Face config.json. Sizes are required; the rest default as in Hugging Face.</summary>
    public static BertConfig Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: config file not found.", path);
        }

        var reader = new ConfigReader(path, ReadJson(path));
        string modelType = reader.String("model_type", "bert");
        if (modelType != "bert")
        {
            throw new InvalidConfigException(path, "model_type", $"model_type '{modelType}' is not a BERT model; PeaKd reads model_type 'bert'.");
        }
        string positions = reader.String("position_embedding_type", "absolute");
        if (positions != "absolute")
        {
            throw new InvalidConfigException(path, "position_embedding_type",
                $"position_embedding_type '{positions}' is not supported; only 'absolute' is.");
        }

        var config = new BertConfig
        {
            VocabSize = reader.RequiredInt("vocab_size"),
            HiddenSize = reader.RequiredInt("hidden_size"),
            NumHiddenLayers = reader.RequiredInt("num_hidden_layers"),
            NumAttentionHeads = reader.RequiredInt("num_attention_heads"),
            IntermediateSize = reader.RequiredInt("intermediate_size"),
            HiddenAct = reader.String("hidden_act", "gelu"),
            HiddenDropoutProb = reader.Double("hidden_dropout_prob", 0.1),
            AttentionProbsDropoutProb = reader.Double("attention_probs_dropout_prob", 0.1),
            MaxPositionEmbeddings = reader.Int("max_position_embeddings", 512),
            TypeVocabSize = reader.Int("type_vocab_size", 2),
            LayerNormEps = reader.Double("layer_norm_eps", 1e-12),
            InitializerRange = reader.Double("initializer_range", 0.02),
            PadTokenId = reader.Int("pad_token_id", 0),
            Labels = reader.Labels(),
            ProblemType = reader.OptionalString("problem_type"),
            NameOrPath = reader.OptionalString("_name_or_path"),
        };
        config.Validate(path);
        return config;
    }

    /// <summary>The file as one JSON object, read to at most <see cref="MaxFileBytes"/>.</summary>
    private static JsonObject ReadJson(string path)
    {
        long size = new FileInfo(path).Length;
        if (size > MaxFileBytes)
        {
            throw new InvalidConfigException(path, "(file)", $"{size:N0} bytes is far larger than a config.json can be (at most {MaxFileBytes:N0}); is this the right file?");
        }
        // a device, a FIFO or a /proc file reports 0 bytes and may never end: the read itself stops at the cap
        string text = IO.BoundedFile.ReadAllText(path, MaxFileBytes, () => new InvalidConfigException(path, "(file)",
            $"it holds more than {MaxFileBytes:N0} bytes, far more than a config.json can be (a device or a pipe?); is this the right file?"));
        try
        {
            // duplicate keys are an error: which of two hidden_size values was meant?
            return JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) as JsonObject
                ?? throw new InvalidConfigException(path, "(root)", "the file must hold a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidConfigException(path, "(json)", $"not valid JSON (line {e.LineNumber + 1}): {e.Message}");
        }
    }

    /// <summary>Writes config.json with Hugging Face key names, readable by transformers' BertConfig.</summary>
    public void Save(string path)
    {
        Validate();
        var json = new JsonObject
        {
            ["architectures"] = new JsonArray("BertForSequenceClassification"),
            ["model_type"] = "bert",
            ["vocab_size"] = VocabSize,
            ["hidden_size"] = HiddenSize,
            ["num_hidden_layers"] = NumHiddenLayers,
            ["num_attention_heads"] = NumAttentionHeads,
            ["intermediate_size"] = IntermediateSize,
            ["hidden_act"] = HiddenAct,
            ["hidden_dropout_prob"] = HiddenDropoutProb,
            ["attention_probs_dropout_prob"] = AttentionProbsDropoutProb,
            ["max_position_embeddings"] = MaxPositionEmbeddings,
            ["type_vocab_size"] = TypeVocabSize,
            ["layer_norm_eps"] = LayerNormEps,
            ["initializer_range"] = InitializerRange,
            ["pad_token_id"] = PadTokenId,
            ["position_embedding_type"] = "absolute",
            ["id2label"] = new JsonObject(Labels.Select((label, id) =>
                KeyValuePair.Create(id.ToString(CultureInfo.InvariantCulture), (JsonNode?)label))),
            ["label2id"] = new JsonObject(Labels.Select((label, id) => KeyValuePair.Create(label, (JsonNode?)id))),
        };
        if (ProblemType is not null)
        {
            json["problem_type"] = ProblemType;
        }
        if (NameOrPath is not null)
        {
            json["_name_or_path"] = NameOrPath;
        }
        AtomicFile.WriteAllText(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>Equal when every value is, the labels compared in order (<see cref="NameOrPath"/> aside).</summary>
    public bool Equals(BertConfig? other) =>
        other is not null
        && VocabSize == other.VocabSize && HiddenSize == other.HiddenSize && NumHiddenLayers == other.NumHiddenLayers
        && NumAttentionHeads == other.NumAttentionHeads && IntermediateSize == other.IntermediateSize
        && HiddenAct == other.HiddenAct && HiddenDropoutProb.Equals(other.HiddenDropoutProb)
        && AttentionProbsDropoutProb.Equals(other.AttentionProbsDropoutProb)
        && MaxPositionEmbeddings == other.MaxPositionEmbeddings && TypeVocabSize == other.TypeVocabSize
        && LayerNormEps.Equals(other.LayerNormEps) && InitializerRange.Equals(other.InitializerRange)
        && PadTokenId == other.PadTokenId && ProblemType == other.ProblemType
        && Labels.SequenceEqual(other.Labels);

    /// <summary>A hash of the sizes and the label count.</summary>
    public override int GetHashCode() =>
        HashCode.Combine(VocabSize, HiddenSize, NumHiddenLayers, NumAttentionHeads, IntermediateSize, HiddenAct, NumLabels);

    private static void RequirePositive(string source, string field, int value)
    {
        if (value <= 0)
        {
            throw new InvalidConfigException(source, field, $"{field} must be a positive integer, got {value}.");
        }
    }

    private static void RequireProbability(string source, string field, double value)
    {
        if (!(value >= 0 && value < 1))
        {
            throw new InvalidConfigException(source, field, $"{field} must be in [0, 1), got {value}.");
        }
    }

    /// <summary>Its properties and their values, lists and dictionaries with their items.</summary>
    public override string ToString() => RecordText.Of(this);
}
