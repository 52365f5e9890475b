using System.Globalization;
using System.Text.RegularExpressions;
using PeaKd.Modeling;

namespace PeaKd.Checkpoints;

/// <summary>A config's sizes against the tensor shapes its weights file declares (read from the header or the pickle,
/// no tensor data): a config that describes a model much larger than its weights is refused, naming the field, before
/// a module is built, however large it claims to be. Smaller differences are left to the loader, which lists every
/// mismatched, missing and unexpected tensor.</summary>
internal static partial class WeightShapes
{
    /// <param name="config">The config.</param>
    /// <param name="configPath">Its file, for messages.</param>
    /// <param name="weightsFile">The weights file whose header is read.</param>
    /// <param name="strict">Compare every size and the layer count exactly (the checks before a run writes anything);
    /// otherwise only refuse a config far larger than its weights, leaving the rest to the loader's listing.</param>
    public static void Check(BertConfig config, string configPath, string weightsFile, bool strict)
    {
        IReadOnlyList<(string Name, long[] Shape)> tensors = weightsFile.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)
            ? SafetensorsHeader.Validate(weightsFile).Select(e => (e.Name, e.Shape)).ToArray()
            : PyTorchZip.Validate(weightsFile).Select(t => (t.Name, t.Shape)).ToArray();
        double held = tensors.Sum(t => t.Shape.Aggregate(1.0, (product, size) => product * size));
        if (strict)
        {
            NameTheField(config, configPath, weightsFile, tensors);
            return;
        }
        if (ParameterCount.Estimate(config) <= 1.1 * held + 1e6)
        {
            return;
        }
        NameTheField(config, configPath, weightsFile, tensors);
        throw new InvalidConfigException(configPath, "(size)",
            $"the config describes {ParameterCount.Estimate(config):G3} parameters, but {Path.GetFileName(weightsFile)} holds {held:G3}; the config does not describe these weights.");
    }

    private static void NameTheField(BertConfig config, string configPath, string weightsFile, IReadOnlyList<(string Name, long[] Shape)> tensors)
    {
        Dictionary<string, long[]> shapes = tensors.GroupBy(t => t.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Shape, StringComparer.Ordinal);
        string file = Path.GetFileName(weightsFile);

        void Expect(string field, long configured, string suffix, int dimension)
        {
            (string name, long[] shape) = shapes.FirstOrDefault(s => s.Key.EndsWith(suffix, StringComparison.Ordinal));
            if (name is null || shape.Length <= dimension || shape[dimension] == configured)
            {
                return; // a tensor the file lacks is reported by the loader, which names every missing key
            }
            throw new InvalidConfigException(configPath, field,
                $"{field} is {configured}, but {file} holds {shape[dimension]} ({name} is [{string.Join(", ", shape)}]); the config does not describe these weights.");
        }
        Expect("vocab_size", config.VocabSize, "embeddings.word_embeddings.weight", 0);
        Expect("hidden_size", config.HiddenSize, "embeddings.word_embeddings.weight", 1);
        Expect("max_position_embeddings", config.MaxPositionEmbeddings, "embeddings.position_embeddings.weight", 0);
        Expect("type_vocab_size", config.TypeVocabSize, "embeddings.token_type_embeddings.weight", 0);
        Expect("intermediate_size", config.IntermediateSize, "encoder.layer.0.intermediate.dense.weight", 0);

        int[] layers = shapes.Keys.Select(k => LayerIndex().Match(k)).Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).Distinct().ToArray();
        if (layers.Length > 0 && layers.Length != config.NumHiddenLayers)
        {
            throw new InvalidConfigException(configPath, "num_hidden_layers",
                $"num_hidden_layers is {config.NumHiddenLayers}, but {file} holds {layers.Length} layers (encoder.layer.{layers.Min()} .. {layers.Max()}); the config does not describe these weights.");
        }
    }

    [GeneratedRegex(@"encoder\.layer\.([0-9]{1,9})\.")]
    private static partial Regex LayerIndex();
}
