using System.Text;

namespace PeaKd.Checkpoints;

/// <summary>A checkpoint's tensors do not fit the model; the message lists every missing,
/// unexpected and shape-mismatched key.</summary>
public sealed class CheckpointMismatchException : Exception
{
    private const int ListedPerKind = 20;

    /// <summary>Creates the exception for <paramref name="file"/> with the keys that did not fit.</summary>
    /// <param name="file">The weights file.</param>
    /// <param name="missing">Model tensors the file lacks.</param>
    /// <param name="unexpected">File tensors the model has no place for.</param>
    /// <param name="mismatched">Tensors whose shapes differ.</param>
    public CheckpointMismatchException(string file, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> mismatched)
        : base(Describe(file, missing, unexpected, mismatched))
    {
        File = file;
        Missing = missing;
        Unexpected = unexpected;
        Mismatched = mismatched;
    }

    /// <summary>The weights file.</summary>
    public string File { get; }
    /// <summary>Model tensors the file lacks.</summary>
    public IReadOnlyList<string> Missing { get; }
    /// <summary>File tensors the model has no place for.</summary>
    public IReadOnlyList<string> Unexpected { get; }

    /// <summary>"name: checkpoint [a, b] vs model [c, d]".</summary>
    public IReadOnlyList<string> Mismatched { get; }

    private static string Describe(string file, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> mismatched)
    {
        var text = new StringBuilder($"{file}: the checkpoint does not match the model");
        AppendList(text, "missing keys (in the model, not in the checkpoint)", missing);
        AppendList(text, "unexpected keys (in the checkpoint, not in the model)", unexpected);
        AppendList(text, "shape mismatches", mismatched);
        text.Append("\nCheck that config.json describes these weights (sizes, layer count, number of labels).");
        return text.ToString();
    }

    private static void AppendList(StringBuilder text, string title, IReadOnlyList<string> keys)
    {
        if (keys.Count == 0)
        {
            return;
        }
        text.Append($"\n  {keys.Count} {title}:");
        foreach (string key in keys.Take(ListedPerKind))
        {
            text.Append($"\n    {key}");
        }
        if (keys.Count > ListedPerKind)
        {
            text.Append($"\n    ... and {keys.Count - ListedPerKind} more");
        }
    }
}
