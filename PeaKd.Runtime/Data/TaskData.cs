using PeaKd.Data.Tasks;
using PeaKd.Data.Tokenization;

namespace PeaKd.Data;

/// <summary>A task's splits, read and encoded with one model's vocabulary: what every stage trains and evaluates on.</summary>
public sealed class TaskData
{
    private TaskData(TaskDefinition task, BertTextEncoder encoder, int maxLength, IReadOnlyList<string> labels,
        IReadOnlyDictionary<string, (Dataset Data, IReadOnlyList<EncodedExample> Features)> splits)
    {
        Task = task;
        Encoder = encoder;
        MaxLength = maxLength;
        Labels = labels;
        Splits = splits;
    }

    public TaskDefinition Task { get; }
    public BertTextEncoder Encoder { get; }
    public int MaxLength { get; }

    /// <summary>Class names in id order (empty for regression).</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>Outputs of the classifier: the number of classes, or 1 for regression.</summary>
    public int NumLabels => Task.IsRegression ? 1 : Labels.Count;

    public IReadOnlyDictionary<string, (Dataset Data, IReadOnlyList<EncodedExample> Features)> Splits { get; }

    public IReadOnlyList<EncodedExample> Train => Splits["train"].Features;
    public IReadOnlyList<EncodedExample> Dev => Splits["dev"].Features;

    /// <summary>Reads train and dev (and test when present), encodes them with the model's vocabulary, caching features.</summary>
    /// <param name="task">The task.</param>
    /// <param name="folder">The data folder.</param>
    /// <param name="modelFolder">The model whose vocab.txt (and tokenizer_config.json) encode the text.</param>
    /// <param name="maxLength">Tokens per example, special tokens included.</param>
    /// <param name="limitTrain">Use only the first N training rows (quick runs).</param>
    /// <param name="cacheFolder">Where encoded features are cached; null disables the cache.</param>
    public static TaskData Load(TaskDefinition task, string folder, string modelFolder, int maxLength, int? limitTrain = null, string? cacheFolder = null)
    {
        if (maxLength < 8)
        {
            throw new ArgumentException($"--max-length must be at least 8, got {maxLength}.");
        }
        BertTextEncoder encoder = BertTextEncoder.FromModelFolder(modelFolder);
        Dataset train = TaskReader.Read(task, folder, "train");
        CheckFitsModel(modelFolder, maxLength, encoder);
        if (limitTrain is int limit)
        {
            if (limit < 1)
            {
                throw new ArgumentException($"--limit-train must be at least 1, got {limit}.");
            }
            train = train with { Examples = train.Examples.Take(limit).ToList() };
        }
        var splits = new Dictionary<string, (Dataset, IReadOnlyList<EncodedExample>)>();
        void Add(Dataset data)
        {
            string? cache = cacheFolder;
            // a limited train split is a different data set than the file: key it apart
            Dataset keyed = data.Split == "train" && limitTrain is int n ? data with { ContentHash = $"{data.ContentHash}-first{n}" } : data;
            splits[data.Split] = (data, FeatureCache.Encode(keyed, encoder, maxLength, cache, out _));
        }
        Add(train);
        Add(TaskReader.Read(task, folder, "dev", train.Labels));
        if (task.SplitFiles.TryGetValue("test", out string? testFile) && File.Exists(Path.Combine(folder, testFile)))
        {
            Add(TaskReader.Read(task, folder, "test", train.Labels));
        }
        return new TaskData(task, encoder, maxLength, train.Labels, splits);
    }

    /// <summary>Inputs the model has no room for fail here, before any training: sequences longer than its position
    /// embeddings (texts are truncated to <paramref name="maxLength"/>, so that is the bound to check) and token ids
    /// beyond its embedding table.</summary>
    private static void CheckFitsModel(string modelFolder, int maxLength, BertTextEncoder encoder)
    {
        string configPath = Path.Combine(modelFolder, Checkpoints.HfCheckpoint.ConfigFileName);
        if (!File.Exists(configPath))
        {
            return; // not a model folder yet: loading the model reports it
        }
        Modeling.BertConfig config = Modeling.BertConfig.Load(configPath);
        if (maxLength > config.MaxPositionEmbeddings)
        {
            throw new Modeling.InvalidConfigException(configPath, "max_position_embeddings",
                $"--max-length {maxLength} is more than the model's max_position_embeddings {config.MaxPositionEmbeddings}; it has no position embedding beyond that. Use --max-length {config.MaxPositionEmbeddings} or less.");
        }
        int tokens = File.ReadLines(encoder.VocabFile).Count();
        if (tokens > config.VocabSize)
        {
            throw new Modeling.InvalidConfigException(configPath, "vocab_size",
                $"{encoder.VocabFile} has {tokens} tokens but the model's vocab_size is {config.VocabSize}; token ids past {config.VocabSize - 1} have no embedding. Use the model's own vocab.txt.");
        }
    }
}
