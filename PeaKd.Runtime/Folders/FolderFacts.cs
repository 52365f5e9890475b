using System.Text.Json.Nodes;
using PeaKd.IO;
using PeaKd.Modeling;

namespace PeaKd.Folders;

/// <summary>
/// The facts that tie a model folder's files together: the config's labels and sizes, the student's plan, the
/// vocabulary's length and the tokenizer's length. <see cref="Of"/> reads them and refuses files that disagree, so a
/// folder is sealed only when its parts fit, and a folder PeaKd did not write is checked the same way before it loads.
/// </summary>
internal static class FolderFacts
{
    /// <summary>The facts of <paramref name="folder"/>'s model files; a <see cref="CorruptFileException"/> naming the
    /// file when two of them disagree.</summary>
    public static JsonObject Of(string folder)
    {
        string configPath = Path.Combine(folder, ModelFiles.Config);
        if (!File.Exists(configPath))
        {
            return new JsonObject(); // a folder without a model (a distillation run's own files)
        }
        BertConfig config = BertConfig.Load(configPath);
        var facts = new JsonObject
        {
            ["labels"] = new JsonArray(config.Labels.Select(label => (JsonNode)label).ToArray()),
            ["num_labels"] = config.NumLabels,
            ["hidden_layers"] = config.NumHiddenLayers,
            ["vocab_size"] = config.VocabSize,
        };
        string student = Path.Combine(folder, ModelFiles.Student);
        if (File.Exists(student))
        {
            JsonObject description = JsonFile.ReadObject(student);
            int owned = JsonFile.GetValue<int>(description, "owned_layers", student) ?? throw new CorruptFileException(student, "no \"owned_layers\".", "field 'owned_layers'");
            bool hasWeights = File.Exists(Path.Combine(folder, ModelFiles.Safetensors));
            if (hasWeights && owned != config.NumHiddenLayers)
            {
                throw new CorruptFileException(student, $"the student owns {owned} layers, but {configPath} has num_hidden_layers {config.NumHiddenLayers}; the two files are not of one student.", "field 'owned_layers'");
            }
            facts["plan"] = JsonFile.GetString(description, "plan", student);
            facts["owned_layers"] = owned;
        }
        string vocabulary = Path.Combine(folder, ModelFiles.Vocabulary);
        if (File.Exists(vocabulary))
        {
            int lines = VocabularyLines(vocabulary);
            if (lines > config.VocabSize)
            {
                throw new CorruptFileException(vocabulary,
                    $"{lines:N0} tokens, more than the model's vocab_size {config.VocabSize:N0} ({configPath}): tokens past it have no embedding. The vocabulary is not the model's.");
            }
            facts["vocabulary_tokens"] = lines;
        }
        string tokenizer = Path.Combine(folder, ModelFiles.TokenizerConfig);
        if (File.Exists(tokenizer) && JsonFile.ReadObject(tokenizer)["model_max_length"] is JsonValue length
            && length.TryGetValue(out double value) && value >= 1 && value <= int.MaxValue)
        {
            facts["max_length"] = (int)value;
        }
        return facts;
    }

    /// <summary>The vocabulary's token count, as the tokenizer counts its lines, read to at most <see cref="ModelFiles.MaxVocabularyBytes"/>.</summary>
    private static int VocabularyLines(string path)
    {
        byte[] bytes = BoundedFile.ReadAllBytes(path, ModelFiles.MaxVocabularyBytes, () => new CorruptFileException(path,
            $"more than {ModelFiles.MaxVocabularyBytes:N0} bytes, far more than a BERT vocab.txt (about 230 KB for 30,522 tokens); is this the model's vocab.txt?"));
        return BoundedFile.Lines(bytes).Count;
    }
}
