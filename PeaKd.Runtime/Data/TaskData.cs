using PeaKd.Data.Tasks;
using PeaKd.Data.Tokenization;

namespace PeaKd.Data;

/// <summary>A task's splits, read and encoded with one model's vocabulary: what every stage trains and evaluates on.</summary>
internal sealed class TaskData
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

    /// <summary>The class F1 scores (<see cref="TaskDefinition.PositiveLabel"/>); null for regression.</summary>
    public string? PositiveLabel => Task.IsRegression ? null : Labels[PositiveLabelId];

    /// <summary>The id of <see cref="PositiveLabel"/>.</summary>
    public int PositiveLabelId => Task.IsRegression ? 1 : Task.PositiveLabelId(Labels, "data.Task");

    /// <summary>Outputs of the classifier: the number of classes, or 1 for regression.</summary>
    public int NumLabels => Task.IsRegression ? 1 : Labels.Count;

    public IReadOnlyDictionary<string, (Dataset Data, IReadOnlyList<EncodedExample> Features)> Splits { get; }

    public IReadOnlyList<EncodedExample> Train => Splits["train"].Features;
    public IReadOnlyList<EncodedExample> Dev => Splits["dev"].Features;

    /// <summary>Reads every split of <paramref name="source"/> (all of them checked before anything is encoded or cached),
    /// then encodes them with the model's vocabulary, caching features.</summary>
    /// <param name="source">Files or in-memory examples.</param>
    /// <param name="modelFolder">The model whose vocab.txt (and tokenizer_config.json) encode the text.</param>
    /// <param name="maxLength">Tokens per example, special tokens included (checked by the caller's options).</param>
    /// <param name="limitTrain">Use only N training rows (a stratified sample; quick runs).</param>
    /// <param name="cacheFolder">Where encoded features are cached; null disables the cache.</param>
    public static TaskData Load(DataSource source, string modelFolder, int maxLength, int? limitTrain = null, string? cacheFolder = null) =>
        Encode(source.Task, source.Read(limitTrain), modelFolder, maxLength, cacheFolder);

    /// <summary>A task's files in <paramref name="folder"/>, read and encoded (see the other overload).</summary>
    public static TaskData Load(TaskDefinition task, string folder, string modelFolder, int maxLength, int? limitTrain = null, string? cacheFolder = null) =>
        Load(DataSource.Files(task, folder), modelFolder, maxLength, limitTrain, cacheFolder);

    /// <summary>Encodes splits already read (train first) with the model's vocabulary, caching features.</summary>
    public static TaskData Encode(TaskDefinition task, IReadOnlyList<Dataset> datasets, string modelFolder, int maxLength, string? cacheFolder)
    {
        BertTextEncoder encoder = BertTextEncoder.FromModelFolder(modelFolder);
        CheckVocabularyFitsModel(modelFolder, encoder);
        var splits = new Dictionary<string, (Dataset, IReadOnlyList<EncodedExample>)>();
        foreach (Dataset data in datasets)
        {
            splits[data.Split] = (data, FeatureCache.Encode(data, encoder, maxLength, cacheFolder, out _));
        }
        return new TaskData(task, encoder, maxLength, datasets[0].Labels, splits);
    }

    /// <summary>The classifier outputs a task with these training labels needs: the classes, or 1 for regression.</summary>
    public static int OutputsFor(TaskDefinition task, Dataset train) => task.IsRegression ? 1 : train.Labels.Count;

    /// <summary>Checks that a model folder's tokenizer loads and fits its embeddings, without encoding anything.</summary>
    public static void CheckTokenizer(string modelFolder) => CheckVocabularyFitsModel(modelFolder, BertTextEncoder.FromModelFolder(modelFolder));

    /// <summary>Token ids beyond the model's embedding table fail here, before any training.</summary>
    private static void CheckVocabularyFitsModel(string modelFolder, BertTextEncoder encoder)
    {
        string configPath = Path.Combine(modelFolder, Folders.ModelFiles.Config);
        if (!File.Exists(configPath))
        {
            return; // not a model folder yet: loading the model reports it
        }
        Modeling.BertConfig config = Modeling.BertConfig.Load(configPath);
        int tokens = encoder.LineCount; // counted as the encoder read it, capped
        if (tokens > config.VocabSize)
        {
            throw new Modeling.InvalidConfigException(configPath, "vocab_size",
                $"{encoder.VocabFile} has {tokens} tokens but the model's vocab_size is {config.VocabSize}; token ids past {config.VocabSize - 1} have no embedding. Use the model's own vocab.txt.");
        }
    }
}
