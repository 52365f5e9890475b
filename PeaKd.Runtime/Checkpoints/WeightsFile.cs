using System.Collections;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace PeaKd.Checkpoints;

/// <summary>Reads and writes tensor files: safetensors (read and write) and PyTorch's pickled
/// state dicts, pytorch_model.bin (read), through TorchSharp.PyBridge.</summary>
public static class WeightsFile
{
    public static Dictionary<string, Tensor> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: weights file not found.", path);
        }
        try
        {
            if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
            {
                return Safetensors.LoadStateDict(path);
            }
            Hashtable pickled = PyTorchUnpickler.UnpickleStateDict(path);
            var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (DictionaryEntry entry in pickled)
            {
                tensors[(string)entry.Key] = entry.Value as Tensor
                    ?? throw new InvalidDataException($"{path}: entry '{entry.Key}' is not a tensor.");
            }
            return tensors;
        }
        catch (Exception e) when (e is not InvalidDataException and not FileNotFoundException and not OutOfMemoryException)
        {
            throw new InvalidDataException($"{path}: could not read the weights ({e.GetType().Name}: {e.Message}). Is the file complete and in safetensors or PyTorch format?", e);
        }
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
