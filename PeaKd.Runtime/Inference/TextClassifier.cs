using System.Globalization;
using PeaKd.Checkpoints;
using PeaKd.Folders;
using PeaKd.Data;
using PeaKd.Data.Metrics;
using PeaKd.Data.Tokenization;
using PeaKd.Devices;
using PeaKd.IO;
using PeaKd.Modeling;
using PeaKd.Options;
using PeaKd.Precision;
using PeaKd.Students;
using TorchSharp;
using static TorchSharp.torch;

namespace PeaKd.Inference;

/// <summary>
/// A trained model that classifies text in one line: <c>TextClassifier.Load(folder).Predict("a great read")</c>.
/// Loads a run folder (its student), a student folder, an exported or teacher folder (any fine-tuned Hugging Face
/// BERT classifier with its vocab.txt); a student needs no class of its own: its plan in student.json is enough.
/// Not thread-safe: use one instance per thread.
/// </summary>
public sealed class TextClassifier : IDisposable
{
    private readonly ILogitSource _model;
    private readonly BertTextEncoder _encoder;
    private readonly int _batchSize;

    private TextClassifier(string folder, ILogitSource model, BertTextEncoder encoder, int maxLength, int batchSize)
    {
        Folder = folder;
        _model = model;
        _encoder = encoder;
        MaxLength = maxLength;
        _batchSize = batchSize;
    }

    /// <summary>What computes the logits: "TorchSharp", or "ONNX Runtime" for an ONNX export (a folder with model.onnx).</summary>
    public string Engine => _model.Engine;

    /// <summary>The model folder that was loaded (a run folder's student/ when a run folder was given).</summary>
    public string Folder { get; }

    /// <summary>The class names in the model's output order; one "LABEL_0" for a regression model.</summary>
    public IReadOnlyList<string> Labels => _model.Config.Labels;

    /// <summary>True for a regression model (one output, a score), such as an STS-B model.</summary>
    public bool IsRegression => _model.Config.ProblemType == "regression" || (_model.Config.ProblemType is null && Labels.Count == 1);

    /// <summary>Tokens per text, special tokens included; longer texts are truncated.</summary>
    public int MaxLength { get; }

    /// <summary>Loads a model for prediction.</summary>
    /// <param name="folder">A run folder (from <see cref="Distillation.PeaKdPipeline.Run"/>), a student folder, a
    /// folder holding a fine-tuned BERT classifier (config.json, model.safetensors or pytorch_model.bin, vocab.txt), or
    /// an ONNX export (<see cref="Export.ModelExport.ToOnnx"/>: model.onnx, run by ONNX Runtime on the CPU, no libtorch).</param>
    /// <param name="options">Device, precision, length and batch size; null for the defaults.</param>
    public static TextClassifier Load(string folder, TextClassifierOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        options ??= new TextClassifierOptions();
        options.Validate();
        string modelFolder = ModelFolder.Locate(folder);
        Folders.FolderManifest? sealedAs = Folders.SealedFolder.Verify(modelFolder); // before any file is read: exactly what PeaKd wrote, or files that agree
        BertTextEncoder encoder = BertTextEncoder.FromModelFolder(modelFolder);
        ILogitSource model = IsOnnxExport(modelFolder) ? OnnxModel(modelFolder, options) : TorchModel(modelFolder, options);
        try
        {
            int maxLength = options.MaxLength ?? ModelFolder.MaxLength(modelFolder) ?? Math.Min(DefaultMaxLength, model.Config.MaxPositionEmbeddings);
            if (maxLength > model.Config.MaxPositionEmbeddings)
            {
                throw new InvalidOptionException(new OptionPath(nameof(TextClassifierOptions)) / nameof(TextClassifierOptions.MaxLength),
                    $"is {maxLength}, more than the model's max_position_embeddings {model.Config.MaxPositionEmbeddings}; use {model.Config.MaxPositionEmbeddings} or less.");
            }
            if (sealedAs is not null && Folders.FolderManifest.SealOf(modelFolder) != sealedAs.Seal)
            {
                // a writer (an export or import with overwrite, a run finishing) replaced the folder while its files were read one by one
                throw new IOException($"{modelFolder} was replaced or rewritten while it was being loaded; load it again.");
            }
            return new TextClassifier(modelFolder, model, encoder, maxLength, options.BatchSize);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>An ONNX export: model.onnx and no TorchSharp weights beside it.</summary>
    private static bool IsOnnxExport(string folder) => File.Exists(Path.Combine(folder, ModelFiles.Onnx))
        && !File.Exists(Path.Combine(folder, ModelFiles.Safetensors)) && !File.Exists(Path.Combine(folder, ModelFiles.PyTorch));

    private static ILogitSource OnnxModel(string folder, TextClassifierOptions options)
    {
        var path = new OptionPath(nameof(TextClassifierOptions));
        if (options.Device == DeviceChoice.Cuda)
        {
            throw new InvalidOptionException(path / nameof(TextClassifierOptions.Device),
                $"is Cuda, but {folder} is an ONNX export, which runs on the CPU with ONNX Runtime here; use Auto or Cpu, or load the run folder to run on the GPU with TorchSharp.");
        }
        if (options.Precision == PrecisionChoice.Bf16)
        {
            throw new InvalidOptionException(path / nameof(TextClassifierOptions.Precision),
                $"is Bf16, but {folder} is an ONNX export, which computes as it was exported (fp32, or int8 with ModelExport.ToOnnx's quantization); use Fp32 or Auto.");
        }
        string configPath = Path.Combine(folder, ModelFiles.Config), onnxPath = Path.Combine(folder, ModelFiles.Onnx);
        BertConfig config = BertConfig.Load(configPath);
        var model = new OnnxLogits(onnxPath, config, options.OnnxThreads);
        if (model.OutputWidth is long width && width != config.NumLabels)
        {
            model.Dispose();
            throw new CorruptFileException(configPath,
                $"names {config.NumLabels} labels ({string.Join(", ", config.Labels)}), but {onnxPath} computes {width} logits; the config is not the graph's. Export the model again.", "field 'id2label'");
        }
        return model;
    }

    private static ILogitSource TorchModel(string folder, TextClassifierOptions options)
    {
        Device device = DeviceSelector.Resolve(options.Device, new OptionPath(nameof(TextClassifierOptions)) / nameof(TextClassifierOptions.Device));
        BertClassifier model = StudentFolder.Load(folder);
        model.to(device);
        model.Precision = PrecisionSelector.Resolve(options.Precision, device).Precision;
        model.eval();
        return new TorchLogits(model, device);
    }

    /// <summary>Classifies one text, or one pair of texts for a pair task (entailment, paraphrase).</summary>
    /// <param name="text">The text, or the first of a pair.</param>
    /// <param name="pair">The second text of a pair, or null.</param>
    public Prediction Predict(string text, string? pair = null) => PredictBatch([(text, pair)])[0];

    /// <summary>Classifies texts in batches; the same predictions as one <see cref="Predict"/> call each.</summary>
    /// <param name="texts">The texts.</param>
    public IReadOnlyList<Prediction> PredictBatch(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        return PredictBatch(texts.Select(t => (t, (string?)null)).ToArray());
    }

    /// <summary>Classifies pairs of texts (or single texts, with a null pair) in batches.</summary>
    /// <param name="inputs">The texts and their pairs.</param>
    public IReadOnlyList<Prediction> PredictBatch(IReadOnlyList<(string Text, string? Pair)> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return inputs.Count == 0 ? [] : ToPredictions(Logits(inputs));
    }

    /// <summary>The model's raw logits for the inputs, in the model's label order (the serving benchmark compares engines with them).</summary>
    internal float[][] Logits(IReadOnlyList<(string Text, string? Pair)> inputs)
    {
        var features = new List<EncodedExample>(inputs.Count);
        for (int i = 0; i < inputs.Count; i++)
        {
            (string text, string? pair) = inputs[i];
            if (string.IsNullOrWhiteSpace(text) || (pair is not null && string.IsNullOrWhiteSpace(pair)))
            {
                throw new ArgumentException($"Input {i} is empty; a text (and a pair, when given) must hold some words.", nameof(inputs));
            }
            (int[] ids, int[] types) = _encoder.Encode(text, pair, MaxLength);
            features.Add(new EncodedExample(ids, types, null, null));
        }
        return FiniteLogits(features);
    }

    /// <summary>The model's logits; a NaN or an infinity is an error naming the input, never a label.</summary>
    private float[][] FiniteLogits(IReadOnlyList<EncodedExample> features)
    {
        float[][] logits = _model.Logits(features, _encoder.PaddingTokenId, _batchSize);
        for (int i = 0; i < logits.Length; i++)
        {
            if (!logits[i].All(float.IsFinite))
            {
                throw new InvalidDataException(
                    $"{Folder}: the model computed a NaN or infinite logit for input {i}; its weights are damaged or it diverged in training. No prediction is made from it.");
            }
        }
        return logits;
    }

    /// <summary>Scores the model on a split of a task with the task's metrics (the same numbers as the pipeline's).</summary>
    /// <param name="data">The task's data: its labels must be the model's (in any order).</param>
    /// <param name="split">dev or test.</param>
    /// <param name="predictionsFile">A TSV to write (index, prediction, gold), or null.</param>
    public EvaluationReport Evaluate(DataSource data, string split = "dev", string? predictionsFile = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        data.Validate("data");
        if (predictionsFile is not null && IO.FolderPaths.IsReallySameOrInside(predictionsFile, Folder))
        {
            throw new ArgumentException($"{predictionsFile} lies inside the model folder {Folder} (symbolic links resolved); write predictions outside the model, which PeaKd never writes into.", nameof(predictionsFile));
        }
        CheckKind(data.Task);
        IReadOnlyList<string>? named = IsRegression ? [] : ModelFolder.LabelNames(_model.Config);
        // a regression model, or one with real label names (which fix their order), scores the split read alone;
        // placeholder names (LABEL_0, ...) mean the order training had, which train's order of first appearance gives
        TaskData task = named is not null
            ? TaskData.Encode(data.Task, [data.ReadSplit(split, named)], Folder, MaxLength, cacheFolder: null)
            : TaskData.Load(data, Folder, MaxLength);
        if (!task.Splits.TryGetValue(split, out var chosen))
        {
            throw new ArgumentException($"The data has no {split} split; it has {string.Join(", ", task.Splits.Keys.Where(s => s != "train"))}.", nameof(split));
        }
        int[] columns = ColumnsInDataOrder(task);
        float[][] logits = FiniteLogits(chosen.Features);
        float[][] inDataOrder = logits.Select(row => columns.Select(c => row[c]).ToArray()).ToArray();
        var warnings = new List<string>();
        SplitMetrics? metrics = Evaluator.ScoreAndWrite(task, chosen.Features, inDataOrder, predictionsFile, warnings, $"the model on {split}");
        return new EvaluationReport(split, metrics, ToPredictions(logits)) { PositiveLabel = task.PositiveLabel, Warnings = warnings };
    }

    /// <summary>The texts of a TSV file with a header (UTF-8, tab-separated, no quoting), for <see cref="PredictBatch(IReadOnlyList{ValueTuple{string, string}})"/>.
    /// A missing column, a row with the wrong field count or an empty text is a <see cref="DataFormatException"/> naming the file and line.</summary>
    /// <param name="path">The file.</param>
    /// <param name="textColumn">The text column.</param>
    /// <param name="pairColumn">The second text's column; null takes text_b when the file has it.</param>
    internal static IReadOnlyList<(string Text, string? Pair)> ReadTexts(string path, string textColumn = "text", string? pairColumn = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        TsvFile file = TsvFile.Read(path, hasHeader: true);
        int text = file.Column(textColumn);
        int? pair = pairColumn is not null ? file.Column(pairColumn) : file.IndexOf("text_b") is int b and >= 0 ? b : null;
        var texts = new List<(string, string?)>(file.Rows.Count);
        foreach ((int line, string[] fields) in file.Rows)
        {
            if (string.IsNullOrWhiteSpace(fields[text]) || (pair is int p && string.IsNullOrWhiteSpace(fields[p])))
            {
                throw new DataFormatException(path, line, "the text is empty; every row needs one.");
            }
            texts.Add((fields[text], pair is int q ? fields[q] : null));
        }
        return texts;
    }

    /// <summary>Frees the model's weights.</summary>
    public void Dispose() => _model.Dispose();

    private const int DefaultMaxLength = 128;

    /// <summary>For each of the data's labels, the model's output column; the two label sets must be the same.</summary>
    private void CheckKind(Data.Tasks.TaskDefinition task)
    {
        if (task.IsRegression != IsRegression)
        {
            throw new ArgumentException(IsRegression
                ? $"{Folder}: the model predicts a score (regression), but {task.Name} is a classification task."
                : $"{Folder}: the model is a classifier, but {task.Name} asks for a score (regression).");
        }
    }

    private int[] ColumnsInDataOrder(TaskData task)
    {
        CheckKind(task.Task);
        if (IsRegression)
        {
            return [0];
        }
        if (ModelFolder.LabelNames(_model.Config) is null && task.Labels.Count == Labels.Count)
        {
            return Enumerable.Range(0, Labels.Count).ToArray(); // placeholder names (LABEL_0, ...): the outputs are in the task's order
        }
        if (task.Labels.Count != Labels.Count || task.Labels.Any(l => !Labels.Contains(l)))
        {
            throw new ArgumentException($"{Folder}: the model's labels ({string.Join(", ", Labels)}) are not the task's ({string.Join(", ", task.Labels)}).");
        }
        return task.Labels.Select(l => Labels.ToList().IndexOf(l)).ToArray();
    }

    private IReadOnlyList<Prediction> ToPredictions(float[][] logits) => logits.Select(ToPrediction).ToArray();

    private Prediction ToPrediction(float[] row)
    {
        if (IsRegression)
        {
            return new Prediction(row[0].ToString("G6", CultureInfo.InvariantCulture), double.NaN, new Dictionary<string, double>(), row[0]);
        }
        double max = row.Max();
        double[] exp = row.Select(v => Math.Exp(v - max)).ToArray();
        double sum = exp.Sum();
        var probabilities = new Dictionary<string, double>(row.Length);
        for (int i = 0; i < row.Length; i++)
        {
            probabilities[Labels[i]] = exp[i] / sum;
        }
        int best = Evaluator.ArgMax(row);
        return new Prediction(Labels[best], probabilities[Labels[best]], probabilities);
    }
}
