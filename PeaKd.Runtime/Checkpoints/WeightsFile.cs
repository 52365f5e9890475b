using System.Collections;
using TorchSharp.PyBridge;
using PeaKd.IO;
using static TorchSharp.torch;

namespace PeaKd.Checkpoints;

/// <summary>Reads and writes tensor files: safetensors (read and write) and PyTorch's pickled
/// state dicts, pytorch_model.bin (read), through TorchSharp.PyBridge.</summary>
/// <remarks>The loader trusts the sizes a file states and allocates them, so every file is validated first
/// (<see cref="SafetensorsHeader"/>, <see cref="PyTorchZip"/>); a damaged file is a <see cref="CorruptFileException"/>
/// naming it, never a crash or a huge allocation.</remarks>
internal static class WeightsFile
{
    public static Dictionary<string, Tensor> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: weights file not found.", path);
        }
        if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
        {
            SafetensorsHeader.Validate(path);
            return Load(path, () => Safetensors.LoadStateDict(path));
        }
        PyTorchZip.Validate(path);
        return Load(path, () =>
        {
            Hashtable pickled = PyTorchUnpickler.UnpickleStateDict(path);
            var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (DictionaryEntry entry in pickled)
            {
                tensors[(string)entry.Key] = entry.Value as Tensor
                    ?? throw new CorruptFileException(path, "the entry is not a tensor.", $"entry '{entry.Key}'");
            }
            return tensors;
        });
    }

    /// <summary>Runs the loader on a file that passed validation; whatever it still trips over is reported as a
    /// damaged file, naming it (the loader's own exceptions say nothing about where).</summary>
    private static Dictionary<string, Tensor> Load(string path, Func<Dictionary<string, Tensor>> load)
    {
        Dictionary<string, Tensor> tensors;
        try
        {
            tensors = load();
        }
        catch (Exception e) when (e is not OutOfMemoryException and not CorruptFileException)
        {
            throw new CorruptFileException(path, $"could not read the weights ({e.GetType().Name}: {e.Message}). Is the file complete and in safetensors or PyTorch format?", inner: e);
        }
        if (FirstNotFinite(tensors) is string name)
        {
            foreach (Tensor tensor in tensors.Values)
            {
                tensor.Dispose();
            }
            throw new CorruptFileException(path, "holds NaN or infinite values; a model with them predicts nothing meaningful. The weights are damaged, or the training that wrote them diverged.", $"tensor '{name}'");
        }
        return tensors;
    }

    /// <summary>The name of the first floating-point tensor (by name) holding a NaN or an infinity, or null.</summary>
    public static string? FirstNotFinite(IReadOnlyDictionary<string, Tensor> tensors)
    {
        foreach ((string name, Tensor tensor) in tensors.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            if (tensor.is_floating_point())
            {
                using Tensor finite = isfinite(tensor).all();
                if (!finite.item<bool>())
                {
                    return name;
                }
            }
        }
        return null;
    }

    /// <summary>Writes a safetensors file atomically (a temporary file, then a rename).</summary>
    public static void WriteSafetensors(string path, IReadOnlyDictionary<string, Tensor> tensors)
    {
        // detach/cpu/contiguous each make a handle; the scope frees them all (the weights themselves stay).
        using var scope = NewDisposeScope();
        var contiguous = tensors.ToDictionary(t => t.Key, t => t.Value.detach().cpu().contiguous());
        AtomicFile.Write(path, temporary => Safetensors.SaveStateDict(temporary, contiguous));
    }
}
