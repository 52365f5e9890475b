using System.Text.Json.Nodes;
using PeaKd.Checkpoints;
using PeaKd.Folders;
using PeaKd.IO;
using PeaKd.Modeling;
using PeaKd.Options;
using PeaKd.Students;

namespace PeaKd.Export;

/// <summary>An exported model folder.</summary>
/// <param name="Folder">The folder written.</param>
/// <param name="Layers">Its encoder layers (a student's effective depth: shared layers unrolled).</param>
/// <param name="Parameters">Embeddings, layers and pooler as stored (the classifier excluded).</param>
public sealed record ExportedModel(string Folder, int Layers, long Parameters)
{
    /// <summary>Its properties and their values, lists and dictionaries with their items.</summary>
    public override string ToString() => RecordText.Of(this);
}

/// <summary>Writes trained models in formats other runtimes serve.</summary>
public static class ModelExport
{
    /// <summary>
    /// Writes a student (or any trained model folder) as a plain Hugging Face BertForSequenceClassification folder:
    /// config.json, model.safetensors, vocab.txt, tokenizer_config.json. A student's shared layers are unrolled (each
    /// becomes a copy of its owner, Query and Key exchanged where shuffled), so the export computes exactly what the
    /// student computes and any BERT runtime serves it.
    /// </summary>
    /// <param name="modelFolder">A run folder, a student folder (a run's student/), or a fine-tuned model folder.</param>
    /// <param name="outputFolder">The folder to write: new, empty, or (with <paramref name="overwrite"/>) an earlier
    /// Hugging Face export, which is replaced whole. The folder appears complete or not at all.</param>
    /// <param name="overwrite">Replace an earlier export of this format in <paramref name="outputFolder"/>.</param>
    public static ExportedModel ToHuggingFace(string modelFolder, string outputFolder, bool overwrite = false)
    {
        modelFolder = Source(modelFolder, outputFolder);
        using StagedFolder staged = Begin(outputFolder, FolderKind.HuggingFaceExport, overwrite);
        using BertClassifier plain = StudentFolder.Load(modelFolder);
        CheckFinite(plain.state_dict(), modelFolder);
        HfCheckpoint.Save(plain, staged.Path, vocabFile: null, includeClassifier: true, withProvenance: false);
        string vocab = Path.Combine(modelFolder, ModelFiles.Vocabulary);
        if (File.Exists(vocab))
        {
            ModelFolder.WriteTokenizer(vocab, staged.Path, ModelFolder.MaxLength(modelFolder));
        }
        staged.Publish(new JsonObject { ["format"] = "hf" }, modelFolder);
        int layers = plain.Config.NumHiddenLayers;
        return new ExportedModel(staged.Target, layers, ParameterCount.Backbone(plain.Config, layers));
    }

    /// <summary>The export's staged folder; the messages name the API's parameters.</summary>
    private static StagedFolder Begin(string outputFolder, FolderKind kind, bool overwrite) =>
        StagedFolder.Begin(outputFolder, kind, overwrite, $"{nameof(ModelExport)}'s {nameof(outputFolder)}", $"{nameof(ModelExport)}'s {nameof(overwrite)}");

    /// <summary>Weights with a NaN or an infinity are never exported: the export would serve garbage as if it were the model.</summary>
    private static void CheckFinite(IReadOnlyDictionary<string, TorchSharp.torch.Tensor> weights, string modelFolder)
    {
        if (WeightsFile.FirstNotFinite(weights) is string name)
        {
            throw new CorruptFileException(modelFolder, "the model's weights hold NaN or infinite values; it is not exported.", $"tensor '{name}'");
        }
    }

    /// <summary>The model folder an export reads (a run folder exports its student), checked against the output: an ONNX
    /// export has no weights to export again, and exporting into the model's folder, or into a folder holding it (a run
    /// folder around its student/), would overwrite what it reads or hide it behind the export's config.json.</summary>
    private static string Source(string modelFolder, string outputFolder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelFolder);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputFolder);
        string located = ModelFolder.Locate(modelFolder);
        bool hasWeights = File.Exists(Path.Combine(located, ModelFiles.Safetensors)) || File.Exists(Path.Combine(located, ModelFiles.PyTorch));
        if (!hasWeights && File.Exists(Path.Combine(located, OnnxFileName)))
        {
            throw new ArgumentException($"{modelFolder} is an ONNX export ({OnnxFileName}), which holds no trainable weights to export from; export from the run or student folder it was made from.", nameof(modelFolder));
        }
        if (IO.FolderPaths.IsReallySameOrInside(located, outputFolder) || IO.FolderPaths.IsReallySameOrInside(outputFolder, located)
            || IO.FolderPaths.IsReallySameOrInside(outputFolder, modelFolder))
        {
            throw new ArgumentException($"{outputFolder} is the model folder {located}, holds it or lies inside it (symbolic links resolved); export into a folder of its own (the export would replace, hide or mix with the model it reads).", nameof(outputFolder));
        }
        return located;
    }

    /// <summary>The ONNX file an export writes.</summary>
    internal const string OnnxFileName = Folders.ModelFiles.Onnx;

    /// <summary>
    /// Writes a student (or any trained model folder) as ONNX for ONNX Runtime and ML.NET: model.onnx (opset 17;
    /// inputs input_ids, attention_mask, token_type_ids as int64 [batch, sequence]; output logits, float [batch, labels];
    /// the names Hugging Face's ONNX exports use), config.json with the labels (id2label), vocab.txt and
    /// tokenizer_config.json. A shared layer reads its owner's weights (Query and Key exchanged where shuffled), so every
    /// owned tensor is stored once: SPS's saving of parameters survives deployment.
    /// </summary>
    /// <param name="modelFolder">A run folder, a student folder (a run's student/), or a fine-tuned model folder.</param>
    /// <param name="outputFolder">The folder to write.</param>
    /// <param name="quantization">fp32 weights (the default; standard ONNX), or <see cref="OnnxQuantization.Int8"/> (for
    /// ONNX Runtime: its attention is the com.microsoft QAttention).</param>
    /// <param name="overwrite">Replace an earlier ONNX export in <paramref name="outputFolder"/>.</param>
    public static ExportedModel ToOnnx(string modelFolder, string outputFolder, OnnxQuantization quantization = OnnxQuantization.Fp32, bool overwrite = false)
    {
        if (!Enum.IsDefined(quantization))
        {
            throw new ArgumentOutOfRangeException(nameof(quantization), quantization, $"use one of {string.Join(", ", Enum.GetNames<OnnxQuantization>())}.");
        }
        modelFolder = Source(modelFolder, outputFolder);
        if (!File.Exists(Path.Combine(modelFolder, ModelFiles.Vocabulary)))
        {
            throw new FileNotFoundException($"{modelFolder}: no {ModelFiles.Vocabulary}; an export carries the model's vocabulary so that it serves on its own.");
        }
        using StagedFolder staged = Begin(outputFolder, FolderKind.OnnxExport, overwrite);
        (BertConfig config, Dictionary<string, TorchSharp.torch.Tensor> weights, IReadOnlyList<LayerUse> layers, int owned) = Stored(modelFolder);
        try
        {
            CheckFinite(weights, modelFolder);
            global::Onnx.ModelProto model = OnnxExporter.Build(config, weights, layers, quantization);
            OnnxExporter.Write(model, Path.Combine(staged.Path, OnnxFileName));
            (config with { NumHiddenLayers = layers.Count, NameOrPath = null }).Save(Path.Combine(staged.Path, ModelFiles.Config));
            ModelFolder.WriteTokenizer(Path.Combine(modelFolder, ModelFiles.Vocabulary), staged.Path, ModelFolder.MaxLength(modelFolder));
            staged.Publish(new JsonObject { ["format"] = "onnx", ["quantization"] = ManifestName(quantization) }, modelFolder);
            return new ExportedModel(staged.Target, layers.Count, ParameterCount.Backbone(config, owned));
        }
        finally
        {
            foreach (TorchSharp.torch.Tensor tensor in weights.Values)
            {
                tensor.Dispose();
            }
        }
    }

    /// <summary>The quantization as the export's manifest has always recorded it: "none" (fp32) or "int8".</summary>
    private static string ManifestName(OnnxQuantization quantization) => quantization == OnnxQuantization.Int8 ? "int8" : "none";

    /// <summary>A model folder's config, stored weights (a student's owned layers only) and layer plan.</summary>
    private static (BertConfig Config, Dictionary<string, TorchSharp.torch.Tensor> Weights, IReadOnlyList<LayerUse> Layers, int Owned) Stored(string folder)
    {
        StudentDescription? student = StudentFolder.Read(folder);
        if (student is not null)
        {
            BertConfig config = BertConfig.Load(Path.Combine(folder, ModelFiles.Config));
            return (config, WeightsFile.Read(Path.Combine(folder, ModelFiles.Safetensors)), student.Layers, student.OwnedLayers);
        }
        using LoadedCheckpoint plain = HfCheckpoint.Load(folder);
        if (plain.Report.FreshClassifier)
        {
            throw new ArgumentException($"{folder}: the model has no trained classifier (a pretrained backbone); fine-tune or distil it first.");
        }
        int layers = plain.Model.Config.NumHiddenLayers;
        Dictionary<string, TorchSharp.torch.Tensor> weights = plain.Model.state_dict().ToDictionary(w => w.Key, w => w.Value.detach().clone(), StringComparer.Ordinal);
        return (plain.Model.Config, weights, Enumerable.Range(0, layers).Select(i => new LayerUse(i, Shuffle.None)).ToArray(), layers);
    }
}
