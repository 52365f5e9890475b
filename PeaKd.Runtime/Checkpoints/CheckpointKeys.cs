namespace PeaKd.Checkpoints;

/// <summary>Normalises the key spellings found in Hugging Face BERT checkpoints to PeaKd's (which are
/// BertForSequenceClassification's): legacy LayerNorm gamma/beta, and bare BertModel keys without "bert.".</summary>
internal static class CheckpointKeys
{
    private static readonly string[] BackboneRoots = ["embeddings.", "encoder.", "pooler."];

    /// <summary>Keys that Hugging Face checkpoints carry but that hold no weights of a sequence classifier:
    /// the position-id buffer and the pretraining heads (masked LM, next sentence).</summary>
    public static bool IsIgnorable(string key) =>
        key.EndsWith("embeddings.position_ids", StringComparison.Ordinal) || key.StartsWith("cls.", StringComparison.Ordinal);

    public static string Normalize(string key, bool addBertPrefix)
    {
        if (key.EndsWith("LayerNorm.gamma", StringComparison.Ordinal))
        {
            key = key[..^"gamma".Length] + "weight";
        }
        else if (key.EndsWith("LayerNorm.beta", StringComparison.Ordinal))
        {
            key = key[..^"beta".Length] + "bias";
        }
        return addBertPrefix ? "bert." + key : key;
    }

    /// <summary>True when the keys are a bare BertModel's (embeddings.*, encoder.*) rather than bert.*.</summary>
    public static bool NeedsBertPrefix(IEnumerable<string> keys)
    {
        bool anyBare = false;
        foreach (string key in keys)
        {
            if (key.StartsWith("bert.", StringComparison.Ordinal))
            {
                return false;
            }
            anyBare |= BackboneRoots.Any(root => key.StartsWith(root, StringComparison.Ordinal));
        }
        return anyBare;
    }
}
