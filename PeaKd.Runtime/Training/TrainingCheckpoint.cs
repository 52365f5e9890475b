using System.Security.Cryptography;
using System.Text.Json;
using PeaKd.Checkpoints;
using static TorchSharp.torch;

namespace PeaKd.Training;

/// <summary>Where a stage stands: enough to continue it exactly.</summary>
public sealed record LoopState(
    int Epoch,
    int BatchInEpoch,
    long GlobalStep,
    long OptimizerSteps,
    double? BestScore,
    long BestStep,
    IReadOnlyDictionary<string, double>? BestMetrics,
    double Seconds,
    long ExamplesSeen);

/// <summary>
/// A stage's resumable checkpoint: weights and optimizer moments in checkpoint-{step}.safetensors, and
/// checkpoint.json naming that file, its SHA-256 and the loop state. The tensors are written first, the JSON
/// last, each atomically; older tensor files are removed only after the JSON points past them, so a kill at
/// any moment leaves a consistent pair.
/// </summary>
public static class TrainingCheckpoint
{
    public const string StateFile = "checkpoint.json";
    private const string ModelPrefix = "model.";
    private const string OptimizerPrefix = "optim.";

    public static string Save(string folder, nn.Module model, AdamW optimizer, LoopState state)
    {
        Directory.CreateDirectory(folder);
        string tensorsName = $"checkpoint-{state.GlobalStep}.safetensors";
        string tensorsPath = Path.Combine(folder, tensorsName);
        var tensors = new Dictionary<string, Tensor>();
        foreach ((string name, Tensor value) in model.state_dict())
        {
            tensors[ModelPrefix + name] = value;
        }
        foreach ((string name, Tensor value) in optimizer.StateDict())
        {
            tensors[OptimizerPrefix + name] = value;
        }
        WeightsFile.WriteSafetensors(tensorsPath, tensors);

        var record = new CheckpointRecord(tensorsName, Hash(tensorsPath), state);
        AtomicFile.WriteAllText(Path.Combine(folder, StateFile), JsonSerializer.Serialize(record, JsonOptions));
        foreach (string old in Directory.GetFiles(folder, "checkpoint-*.safetensors").Where(f => Path.GetFileName(f) != tensorsName))
        {
            File.Delete(old);
        }
        return tensorsPath;
    }

    /// <summary>Loads the checkpoint of <paramref name="folder"/> into the model and optimizer; null when there is none.</summary>
    public static LoopState? TryLoad(string folder, nn.Module model, AdamW optimizer)
    {
        string statePath = Path.Combine(folder, StateFile);
        if (!File.Exists(statePath))
        {
            return null;
        }
        CheckpointRecord record;
        try
        {
            record = JsonSerializer.Deserialize<CheckpointRecord>(File.ReadAllText(statePath), JsonOptions)
                ?? throw new InvalidDataException($"{statePath}: empty checkpoint record.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{statePath}: unreadable checkpoint record ({e.Message}). Delete the folder to start the stage over.", e);
        }
        string tensorsPath = Path.Combine(folder, record.TensorsFile);
        if (!File.Exists(tensorsPath) || Hash(tensorsPath) != record.Sha256)
        {
            throw new InvalidDataException($"{tensorsPath}: missing or does not match the SHA-256 in {statePath}; the checkpoint is damaged. Delete {folder} to start the stage over.");
        }

        Dictionary<string, Tensor> tensors = WeightsFile.Read(tensorsPath);
        try
        {
            var weights = tensors.Where(t => t.Key.StartsWith(ModelPrefix, StringComparison.Ordinal))
                .ToDictionary(t => t.Key[ModelPrefix.Length..], t => t.Value);
            using (NewDisposeScope())
            using (no_grad())
            {
                foreach ((string name, Tensor target) in model.state_dict())
                {
                    if (!weights.TryGetValue(name, out Tensor? value) || !value.shape.SequenceEqual(target.shape))
                    {
                        throw new InvalidDataException($"{tensorsPath}: no weight '{name}' of shape [{string.Join(", ", target.shape)}]; the checkpoint belongs to another model.");
                    }
                    target.copy_(value);
                }
            }
            optimizer.LoadStateDict(
                tensors.Where(t => t.Key.StartsWith(OptimizerPrefix, StringComparison.Ordinal)).ToDictionary(t => t.Key[OptimizerPrefix.Length..], t => t.Value),
                record.State.OptimizerSteps);
        }
        finally
        {
            foreach (Tensor tensor in tensors.Values)
            {
                tensor.Dispose();
            }
        }
        return record.State;
    }

    private static string Hash(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream));
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private sealed record CheckpointRecord(string TensorsFile, string Sha256, LoopState State);
}
