using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using PeaKd.Checkpoints;
using PeaKd.IO;
using static TorchSharp.torch;

namespace PeaKd.Training;

/// <summary>
/// A stage's resumable checkpoints: weights and optimizer moments in checkpoint-{step}.safetensors, described by
/// checkpoint-{step}.json (the tensor file's name, size and SHA-256, and the loop state); checkpoint.json repeats the
/// newest description. The tensors are written first, the descriptions last, each atomically, and the two newest
/// checkpoints are kept. Resuming takes the newest checkpoint whose description parses and whose tensor file has the
/// recorded size and hash; a damaged one is reported and the one before it used, so a kill, a truncated copy or a
/// flipped byte costs at most the steps since the previous checkpoint.
/// </summary>
internal static class TrainingCheckpoint
{
    public const string StateFile = "checkpoint.json";
    private const string ModelPrefix = "model.";
    private const string OptimizerPrefix = "optim.";
    private const int Kept = 2;

    public static string Save(string folder, nn.Module model, AdamW optimizer, LoopState state, ComputeConditions? conditions = null)
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

        var record = new CheckpointRecord(tensorsName, Hash(tensorsPath), state, new FileInfo(tensorsPath).Length, conditions);
        JsonObject json = JsonSerializer.SerializeToNode(record, JsonFile.MetadataOptions)!.AsObject();
        JsonFile.WriteSealed(Path.Combine(folder, $"checkpoint-{state.GlobalStep}.json"), json);
        JsonFile.WriteSealed(Path.Combine(folder, StateFile), json);
        // older checkpoints go only once the newer descriptions are in place
        var kept = Steps(folder).OrderByDescending(s => s).Take(Kept).Select(s => $"checkpoint-{s}").ToHashSet(StringComparer.Ordinal);
        foreach (string file in Directory.GetFiles(folder, "checkpoint-*.*").Where(f => !kept.Contains(Path.GetFileNameWithoutExtension(f))))
        {
            File.Delete(file);
        }
        return tensorsPath;
    }

    /// <summary>Loads the newest intact checkpoint of <paramref name="folder"/> into the model and optimizer; null when
    /// there is none. Each damaged checkpoint passed over is reported through <paramref name="note"/>.</summary>
    public static LoopState? TryLoad(string folder, nn.Module model, AdamW optimizer, Action<string>? note = null)
    {
        CheckpointRecord? record = FindIntact(folder, note);
        if (record is not null)
        {
            Load(folder, record, model, optimizer);
        }
        return record?.State;
    }

    /// <summary>The newest checkpoint whose description parses and whose tensor file matches it; null when none does.</summary>
    public static CheckpointRecord? FindIntact(string folder, Action<string>? note = null)
    {
        var candidates = new List<(string Description, long Step)>();
        foreach (long step in Steps(folder))
        {
            candidates.Add((Path.Combine(folder, $"checkpoint-{step}.json"), step));
        }
        string statePath = Path.Combine(folder, StateFile);
        if (candidates.Count == 0 && File.Exists(statePath))
        {
            candidates.Add((statePath, 0)); // a checkpoint from before the per-step descriptions
        }
        foreach ((string description, _) in candidates.OrderByDescending(c => c.Step))
        {
            try
            {
                return Verify(description, folder);
            }
            catch (CorruptFileException e)
            {
                note?.Invoke($"{e.Message} Trying the checkpoint before it.");
            }
        }
        if (candidates.Count > 0)
        {
            note?.Invoke($"{folder}: no intact checkpoint is left; the stage starts over.");
        }
        return null;
    }

    /// <summary>Reads a checkpoint description and checks its tensor file against it (size, then SHA-256).</summary>
    public static CheckpointRecord Verify(string description, string folder)
    {
        // per-step descriptions came with the seal; checkpoint.json may be an older run's
        JsonObject json = JsonFile.ReadSealed(description, out bool wasSealed, required: Path.GetFileName(description) != StateFile, sealedSince: "bytes");
        CheckpointRecord record = JsonFile.Deserialize<CheckpointRecord>(json, description, JsonFile.OptionsFor(wasSealed));
        if (Path.GetFileName(record.TensorsFile) != record.TensorsFile || !record.TensorsFile.EndsWith(".safetensors", StringComparison.Ordinal))
        {
            throw new CorruptFileException(description, $"tensors_file '{record.TensorsFile}' is not a checkpoint file name in this folder.", "field 'tensors_file'");
        }
        string tensorsPath = Path.Combine(folder, record.TensorsFile);
        if (!File.Exists(tensorsPath))
        {
            throw new CorruptFileException(tensorsPath, $"missing; {description} names it.");
        }
        long size = new FileInfo(tensorsPath).Length;
        if (record.Bytes is long expected && size != expected)
        {
            throw new CorruptFileException(tensorsPath, $"{size:N0} bytes, but {description} recorded {expected:N0}; the file is truncated or damaged.");
        }
        if (!string.Equals(Hash(tensorsPath), record.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new CorruptFileException(tensorsPath, $"does not match the SHA-256 recorded in {description}; the file is damaged.");
        }
        return record;
    }

    /// <summary>Copies a verified checkpoint's weights and optimizer moments into <paramref name="model"/> and <paramref name="optimizer"/>.</summary>
    public static void Load(string folder, CheckpointRecord record, nn.Module model, AdamW optimizer)
    {
        string tensorsPath = Path.Combine(folder, record.TensorsFile);
        LoopState state = record.State;
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
                state.OptimizerSteps);
        }
        finally
        {
            foreach (Tensor tensor in tensors.Values)
            {
                tensor.Dispose();
            }
        }
    }

    /// <summary>Removes every resumable checkpoint of a finished stage: the descriptions first, so a kill part-way leaves
    /// no description naming a missing tensor file (the stage's done.json, written before, makes it complete either way).</summary>
    public static void RemoveAll(string folder)
    {
        File.Delete(Path.Combine(folder, StateFile));
        foreach (string pattern in new[] { "checkpoint-*.json", "checkpoint-*.safetensors" })
        {
            foreach (string file in Directory.GetFiles(folder, pattern))
            {
                File.Delete(file);
            }
        }
    }

    /// <summary>Deletes the checkpoints after <paramref name="step"/>: left by a run that was killed or damaged after them.</summary>
    public static void RemoveAfter(string folder, long step)
    {
        foreach (long later in Steps(folder).Where(s => s > step))
        {
            File.Delete(Path.Combine(folder, $"checkpoint-{later}.json"));
            File.Delete(Path.Combine(folder, $"checkpoint-{later}.safetensors"));
        }
    }

    /// <summary>The steps of the per-step descriptions in <paramref name="folder"/>.</summary>
    private static IEnumerable<long> Steps(string folder) =>
        !Directory.Exists(folder) ? [] : Directory.EnumerateFiles(folder, "checkpoint-*.json")
            .Select(f => Path.GetFileNameWithoutExtension(f)["checkpoint-".Length..])
            .Select(s => long.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long step) ? step : -1)
            .Where(s => s >= 0)
            .ToList();

    internal static string Hash(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream));
    }

    /// <summary>A checkpoint description: its tensor file's name and identity, and the loop state.</summary>
    /// <param name="TensorsFile">The tensor file's name in the stage folder.</param>
    /// <param name="Sha256">Its SHA-256.</param>
    /// <param name="State">Where the stage stood.</param>
    /// <param name="Bytes">The tensor file's size (null in checkpoints written before it was recorded).</param>
    /// <param name="Conditions">The build, MKL path and threads it was written under (null in older checkpoints).</param>
    internal sealed record CheckpointRecord(string TensorsFile, string Sha256, LoopState State, long? Bytes = null, ComputeConditions? Conditions = null);
}
