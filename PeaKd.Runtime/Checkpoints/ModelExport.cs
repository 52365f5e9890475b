using PeaKd.Modeling;
using PeaKd.Students;

namespace PeaKd.Checkpoints;

/// <summary>An exported model folder.</summary>
/// <param name="Folder">The folder written.</param>
/// <param name="Layers">Its encoder layers (a student's effective depth: shared layers unrolled).</param>
/// <param name="Parameters">Embeddings, layers and pooler as stored (the classifier excluded).</param>
public sealed record ExportedModel(string Folder, int Layers, long Parameters);

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
    /// <param name="outputFolder">The folder to write.</param>
    public static ExportedModel ToHuggingFace(string modelFolder, string outputFolder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelFolder);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputFolder);
        modelFolder = ModelFolder.Locate(modelFolder); // a run folder exports its student
        using BertClassifier plain = StudentFolder.Load(modelFolder);
        HfCheckpoint.Save(plain, outputFolder);
        string vocab = Path.Combine(modelFolder, HfCheckpoint.VocabFileName);
        if (File.Exists(vocab))
        {
            ModelFolder.WriteTokenizer(vocab, outputFolder, ModelFolder.MaxLength(modelFolder));
        }
        int layers = plain.Config.NumHiddenLayers;
        return new ExportedModel(Path.GetFullPath(outputFolder), layers, ParameterCount.Backbone(plain.Config, layers));
    }
}
