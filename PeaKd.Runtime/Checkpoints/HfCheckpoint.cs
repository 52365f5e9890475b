using PeaKd.Folders;
using PeaKd.IO;
using PeaKd.Modeling;
using PeaKd.Options;
using TorchSharp;
using static TorchSharp.torch;

namespace PeaKd.Checkpoints;

/// <summary>A model read from a Hugging Face folder. Dispose it to free the weights.</summary>
public sealed record LoadedCheckpoint(BertClassifier Model, string? VocabFile, CheckpointLoadReport Report) : IDisposable
{
    /// <summary>Frees the model's weights.</summary>
    public void Dispose() => Model.Dispose();

    /// <summary>Its properties and their values, lists and dictionaries with their items.</summary>
    public override string ToString() => RecordText.Of(this);
}

/// <summary>
/// Hugging Face model folders: config.json, model.safetensors (or pytorch_model.bin on load) and
/// vocab.txt, with BertForSequenceClassification's key names.
/// </summary>
public static class HfCheckpoint
{
    /// <summary>Loads a folder strictly; a checkpoint without a classifier gets a fresh one (see the report).</summary>
    public static LoadedCheckpoint Load(string folder, Device? device = null)
    {
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"{folder}: model folder not found.");
        }
        (BertConfig config, string weights) = CheckLoadable(folder, strict: false);
        var model = new BertClassifier(config);
        try
        {
            CheckpointLoadReport report = StateDictLoader.LoadFile(model, weights);
            if (device is not null)
            {
                model.to(device);
            }
            string vocab = Path.Combine(folder, ModelFiles.Vocabulary);
            return new LoadedCheckpoint(model, File.Exists(vocab) ? vocab : null, report);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>What <see cref="Load"/> checks before it allocates: the config, the weights file's header against the
    /// config's sizes, and the memory the model needs. Reads no tensor data. <paramref name="strict"/> (the checks a run
    /// makes before it writes anything) compares every size exactly; <see cref="Load"/> refuses only a config far larger
    /// than its weights and leaves smaller mismatches to the loader, which lists every tensor.</summary>
    internal static (BertConfig Config, string WeightsFile) CheckLoadable(string folder, bool strict = true)
    {
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"{folder}: model folder not found.");
        }
        Folders.SealedFolder.Verify(folder); // before any file is trusted: a sealed folder exactly as written, any folder consistent
        string configPath = Path.Combine(folder, ModelFiles.Config);
        BertConfig config = BertConfig.Load(configPath);
        string weights = FindWeights(folder);
        WeightShapes.Check(config, configPath, weights, strict);
        ParameterCount.CheckFitsInMemory(config, configPath);
        return (config, weights);
    }

    /// <summary>Writes config.json, model.safetensors and (when given) a copy of vocab.txt; each file atomically.</summary>
    /// <param name="model">The model to save.</param>
    /// <param name="folder">The folder to write.</param>
    /// <param name="vocabFile">The vocab.txt to copy beside the weights.</param>
    /// <param name="includeClassifier">False writes the backbone only (bert.*), for encoders without a trained head.</param>
    public static void Save(BertClassifier model, string folder, string? vocabFile = null, bool includeClassifier = true) =>
        Save(model, folder, vocabFile, includeClassifier, withProvenance: true);

    /// <param name="model">The model to save.</param>
    /// <param name="folder">The folder to write.</param>
    /// <param name="vocabFile">The vocab.txt to copy beside the weights.</param>
    /// <param name="includeClassifier">False writes the backbone only.</param>
    /// <param name="withProvenance">False leaves out the folder the weights came from (<see cref="BertConfig.NameOrPath"/>):
    /// an export must not carry the builder's file system.</param>
    internal static void Save(BertClassifier model, string folder, string? vocabFile, bool includeClassifier, bool withProvenance)
    {
        int owned = model.Bert.Encoder.Layer.Count;
        if (model.EffectiveDepth != owned)
        {
            throw new InvalidOperationException(
                $"The model runs {model.EffectiveDepth} effective layers with {owned} owned ones (shared layers); a plain BERT folder cannot express that. Export it with shared layers unrolled instead.");
        }
        Directory.CreateDirectory(folder);
        Dictionary<string, Tensor> tensors = model.state_dict();
        if (!includeClassifier)
        {
            tensors = tensors.Where(t => !t.Key.StartsWith("classifier.", StringComparison.Ordinal)).ToDictionary();
        }
        WeightsFile.WriteSafetensors(Path.Combine(folder, ModelFiles.Safetensors), tensors);
        (model.Config with { NumHiddenLayers = owned, NameOrPath = withProvenance ? model.Config.NameOrPath : null }).Save(Path.Combine(folder, ModelFiles.Config));
        if (vocabFile is not null)
        {
            string target = Path.Combine(folder, ModelFiles.Vocabulary);
            if (!string.Equals(Path.GetFullPath(vocabFile), Path.GetFullPath(target), StringComparison.Ordinal))
            {
                AtomicFile.Write(target, temporary => File.Copy(vocabFile, temporary, overwrite: true));
            }
        }
    }

    private static string FindWeights(string folder)
    {
        foreach (string name in new[] { ModelFiles.Safetensors, ModelFiles.PyTorch })
        {
            string path = Path.Combine(folder, name);
            if (File.Exists(path))
            {
                return path;
            }
        }
        throw new FileNotFoundException(
            $"{folder}: no weights found; expected {ModelFiles.Safetensors} or {ModelFiles.PyTorch}. Sharded checkpoints (*.index.json) are not supported.");
    }
}
