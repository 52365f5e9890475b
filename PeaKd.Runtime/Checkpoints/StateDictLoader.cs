using PeaKd.Modeling;
using PeaKd.Options;
using static TorchSharp.torch;

namespace PeaKd.Checkpoints;

/// <summary>What loading a checkpoint did besides copying weights.</summary>
/// <param name="WeightsFile">The file the weights came from.</param>
/// <param name="FreshClassifier">True when the checkpoint had no classifier and a fresh one was initialised.</param>
/// <param name="IgnoredKeys">Checkpoint keys with no place in a sequence classifier (pretraining heads, position-id buffer).</param>
public sealed record CheckpointLoadReport(string WeightsFile, bool FreshClassifier, IReadOnlyList<string> IgnoredKeys)
{
    /// <summary>Human-readable notes, one per thing the user should know.</summary>
    public IEnumerable<string> Notes()
    {
        if (FreshClassifier)
        {
            yield return $"{WeightsFile}: no classifier in the checkpoint (a plain BertModel); loaded the backbone and initialised a fresh classifier.";
        }
        if (IgnoredKeys.Count > 0)
        {
            yield return $"{WeightsFile}: ignored {IgnoredKeys.Count} keys that a sequence classifier does not use (e.g. {IgnoredKeys[0]}).";
        }
    }

    /// <summary>Its properties and their values, lists and dictionaries with their items.</summary>
    public override string ToString() => RecordText.Of(this);
}

/// <summary>Copies a checkpoint's tensors into a <see cref="BertClassifier"/>, strictly: every model
/// parameter must be present with its shape, and no checkpoint tensor may be left over.</summary>
internal static class StateDictLoader
{
    private static readonly string[] ClassifierKeys = ["classifier.weight", "classifier.bias"];

    /// <summary>Reads a weights file (safetensors or pytorch_model.bin) and loads it strictly; the file's tensors are freed after.</summary>
    public static CheckpointLoadReport LoadFile(BertClassifier model, string weightsFile, bool allowFreshClassifier = true)
    {
        Dictionary<string, Tensor> tensors = WeightsFile.Read(weightsFile);
        try
        {
            return Load(model, tensors, weightsFile, allowFreshClassifier);
        }
        finally
        {
            foreach (Tensor tensor in tensors.Values)
            {
                tensor.Dispose();
            }
        }
    }

    /// <param name="model">The model to fill.</param>
    /// <param name="checkpoint">Tensors by their checkpoint names.</param>
    /// <param name="sourceFile">Named in errors and notes.</param>
    /// <param name="allowFreshClassifier">Accept a checkpoint without classifier.* and initialise one.</param>
    public static CheckpointLoadReport Load(BertClassifier model, IReadOnlyDictionary<string, Tensor> checkpoint, string sourceFile, bool allowFreshClassifier = true)
    {
        bool addPrefix = CheckpointKeys.NeedsBertPrefix(checkpoint.Keys);
        var ignored = new List<string>();
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach ((string key, Tensor tensor) in checkpoint)
        {
            if (CheckpointKeys.IsIgnorable(key))
            {
                ignored.Add(key);
                continue;
            }
            tensors[CheckpointKeys.Normalize(key, addPrefix)] = tensor;
        }

        Dictionary<string, Tensor> parameters = model.state_dict();
        var missing = parameters.Keys.Where(name => !tensors.ContainsKey(name)).ToList();
        var unexpected = tensors.Keys.Where(name => !parameters.ContainsKey(name)).ToList();
        var mismatched = parameters
            .Where(p => tensors.TryGetValue(p.Key, out Tensor? t) && !t.shape.SequenceEqual(p.Value.shape))
            .Select(p => $"{p.Key}: checkpoint [{string.Join(", ", tensors[p.Key].shape)}] vs model [{string.Join(", ", p.Value.shape)}]")
            .ToList();

        bool freshClassifier = allowFreshClassifier && missing.Count == ClassifierKeys.Length
            && ClassifierKeys.All(missing.Contains) && !tensors.Keys.Any(k => k.StartsWith("classifier.", StringComparison.Ordinal));
        if (freshClassifier)
        {
            missing.Clear();
        }
        if (missing.Count > 0 || unexpected.Count > 0 || mismatched.Count > 0)
        {
            throw new CheckpointMismatchException(sourceFile, missing, unexpected, mismatched);
        }

        using (NewDisposeScope())
        using (no_grad())
        {
            foreach ((string name, Tensor parameter) in parameters)
            {
                if (tensors.TryGetValue(name, out Tensor? value))
                {
                    parameter.copy_(value.to(parameter.dtype, parameter.device));
                }
            }
        }
        if (freshClassifier)
        {
            model.ResetClassifier();
        }
        return new CheckpointLoadReport(sourceFile, freshClassifier, ignored);
    }
}
