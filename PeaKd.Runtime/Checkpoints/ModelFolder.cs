using System.Text.Json;
using System.Text.Json.Nodes;
using PeaKd.Data;
using PeaKd.Folders;
using PeaKd.IO;
using PeaKd.Modeling;

namespace PeaKd.Checkpoints;

/// <summary>What every model folder PeaKd writes holds besides its weights: a config naming the task's labels, and
/// the tokenizer it was trained with (vocab.txt, tokenizer_config.json with its casing and the trained length,
/// Hugging Face's model_max_length), so the folder alone predicts.</summary>
internal static class ModelFolder
{
    private const string MaxLengthField = "model_max_length";

    /// <summary>The model folder a path names: itself when it holds a model (config.json), else a run folder's student/.</summary>
    public static string Locate(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"{folder}: folder not found; give a run folder, a student folder or a model folder.");
        }
        if (File.Exists(Path.Combine(folder, ModelFiles.Config)))
        {
            return folder;
        }
        string student = Path.Combine(folder, "student");
        if (File.Exists(Path.Combine(student, ModelFiles.Config)))
        {
            return student;
        }
        throw new FileNotFoundException(
            $"{folder}: no model here. Give a run folder (with student/), a student folder (student.json, config.json, model.safetensors) or a fine-tuned model folder (config.json, model.safetensors or pytorch_model.bin, vocab.txt).");
    }

    /// <summary>A config's class names when they are real names; null for Hugging Face's placeholders (LABEL_0, LABEL_1, ...),
    /// which say only how many outputs there are.</summary>
    public static IReadOnlyList<string>? LabelNames(BertConfig config) =>
        config.Labels.Any(label => System.Text.RegularExpressions.Regex.IsMatch(label, "^LABEL_[0-9]+$")) ? null : config.Labels;

    /// <summary>The config with the task's label names (one output named LABEL_0 for regression).</summary>
    public static BertConfig WithTaskLabels(BertConfig config, TaskData data) => data.Task.IsRegression
        ? config with { Labels = ["LABEL_0"], ProblemType = "regression" }
        : config with { Labels = data.Labels.ToArray(), ProblemType = "single_label_classification" };

    /// <summary>Writes <paramref name="vocabFile"/> and the tokenizer_config.json beside it into <paramref name="folder"/>,
    /// atomically; <paramref name="maxLength"/>, when given, becomes the config's model_max_length.</summary>
    public static void WriteTokenizer(string vocabFile, string folder, int? maxLength)
    {
        Directory.CreateDirectory(folder);
        string vocabTarget = Path.Combine(folder, ModelFiles.Vocabulary);
        if (!string.Equals(Path.GetFullPath(vocabFile), Path.GetFullPath(vocabTarget), StringComparison.Ordinal))
        {
            AtomicFile.Write(vocabTarget, temporary => File.Copy(vocabFile, temporary, overwrite: true));
        }
        string source = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(vocabFile))!, Folders.ModelFiles.TokenizerConfig);
        if (!File.Exists(source) && maxLength is null)
        {
            return;
        }
        JsonObject config = File.Exists(source) ? JsonFile.ReadObject(source) : new JsonObject { ["tokenizer_class"] = "BertTokenizer" };
        if (maxLength is int length)
        {
            config[MaxLengthField] = length;
        }
        AtomicFile.WriteAllText(Path.Combine(folder, Folders.ModelFiles.TokenizerConfig), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>The length a model folder's tokenizer_config.json records, or null. Hugging Face writes a huge number
    /// (1e30) for "no limit"; that, like anything that is not a length, counts as none.</summary>
    public static int? MaxLength(string folder)
    {
        string path = Path.Combine(folder, Folders.ModelFiles.TokenizerConfig);
        if (!File.Exists(path) || JsonFile.ReadObject(path)[MaxLengthField] is not JsonValue value
            || value.GetValueKind() != JsonValueKind.Number || !value.TryGetValue(out double length))
        {
            return null;
        }
        return length is >= 1 and <= int.MaxValue && length == Math.Floor(length) ? (int)length : null;
    }
}
