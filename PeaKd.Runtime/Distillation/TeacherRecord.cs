using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using PeaKd.Checkpoints;
using PeaKd.Data;
using PeaKd.Data.Tokenization;
using PeaKd.Folders;
using PeaKd.IO;
using PeaKd.Inference;
using PeaKd.Modeling;
using PeaKd.Precision;
using static TorchSharp.torch;

namespace PeaKd.Distillation;

/// <summary>What a teacher record was computed from and how it is stored; a record is reused only when all of it matches.</summary>
/// <param name="Teacher">The hash of the teacher folder's config and weights.</param>
/// <param name="Data">The split's content hash.</param>
/// <param name="Vocab">The vocabulary's hash.</param>
/// <param name="MaxLength">Tokens per example.</param>
/// <param name="Precision">The precision of the teacher pass (fp32 or bf16).</param>
/// <param name="ClsDtype">How the [CLS] states are stored (fp32 or bf16); records written before it existed are fp32.</param>
internal sealed record TeacherRecordKey(string Teacher, string Data, string Vocab, int MaxLength, string Precision = TeacherRecord.Fp32, string ClsDtype = TeacherRecord.Fp32)
{
    /// <summary>The file name without extension. The fp32 record keeps the plain name; a variant gets its own, so
    /// fp32 and bf16 runs sharing a records folder keep both records instead of overwriting each other's.</summary>
    public string FileStem(string split) => $"record-{split}"
        + (Precision == TeacherRecord.Fp32 ? "" : $".{Precision}-pass")
        + (ClsDtype == TeacherRecord.Fp32 ? "" : $".{ClsDtype}-cls");

    /// <summary>The file name without extension of shard <paramref name="index"/> of <paramref name="count"/>: the
    /// count is part of the name, so shards of a 3-way and a 4-way split never mix.</summary>
    public string ShardStem(string split, int index, int count) => $"{FileStem(split)}.shard-{index}-of-{count}";

    /// <summary>The key of a record of <paramref name="split"/>: the one place a key is made, so a pipeline run and a
    /// record computed on its own agree on it.</summary>
    /// <param name="teacherHash">The teacher folder's hash (<see cref="TeacherRecord.FolderHash"/>).</param>
    /// <param name="split">The split as read (its content hash).</param>
    /// <param name="encoder">The teacher's tokenizer (its vocabulary's hash).</param>
    /// <param name="maxLength">Tokens per example.</param>
    /// <param name="precision">The precision the teacher pass computes in.</param>
    /// <param name="clsDtype">How the [CLS] states are stored.</param>
    public static TeacherRecordKey For(string teacherHash, Dataset split, BertTextEncoder encoder, int maxLength, ComputePrecision precision, RecordDtype clsDtype) =>
        new(teacherHash, split.ContentHash, encoder.VocabHash, maxLength, PrecisionSelector.Name(precision), TeacherRecord.Name(clsDtype));
}

/// <summary>Which rows of a split a shard's file holds: rows [<paramref name="FirstRow"/>, FirstRow + its examples).</summary>
/// <param name="Index">The shard, from 0.</param>
/// <param name="Count">Shards the split was cut into.</param>
/// <param name="FirstRow">The split's row the file starts at.</param>
/// <param name="SplitRows">Rows of the whole split.</param>
internal sealed record ShardRows(int Index, int Count, int FirstRow, int SplitRows);

/// <summary>
/// The teacher's outputs over one split, computed once: logits [examples, labels] and the [CLS] hidden state
/// after every layer [examples, layers, hidden]. KD and PTP read it instead of running the teacher.
/// Saved as record-{split}.safetensors with record-{split}.json (the key and the file's SHA-256).
/// The [CLS] states, nearly all of its size, may be stored in bf16 (half the disk and memory); the logits stay fp32,
/// since they are tiny and decide the PTP labels, where a rounded confidence could cross a threshold.
/// </summary>
internal sealed class TeacherRecord : IDisposable
{
    internal TeacherRecord(Tensor logits, Tensor cls)
    {
        Logits = logits;
        Cls = cls;
    }

    public const string Fp32 = "fp32";
    public const string Bf16 = "bf16";

    /// <summary>[examples, labels], fp32.</summary>
    public Tensor Logits { get; }

    /// <summary>[examples, layers, hidden] in the stored dtype; <see cref="Select"/> hands them out as fp32.</summary>
    public Tensor Cls { get; }
    public int Count => (int)Logits.shape[0];
    public int Layers => (int)Cls.shape[1];

    /// <summary>The name a dtype has in record keys and file names: fp32 or bf16.</summary>
    public static string Name(RecordDtype dtype) => dtype == RecordDtype.Bf16 ? Bf16 : Fp32;

    /// <summary>The tensor dtype of a key's [CLS] dtype name.</summary>
    private static ScalarType DtypeOf(string clsDtype) => clsDtype switch
    {
        Fp32 => ScalarType.Float32,
        Bf16 => ScalarType.BFloat16,
        _ => throw new InvalidOperationException($"A teacher record's [CLS] dtype is fp32 or bf16, not '{clsDtype}'."),
    };

    /// <summary>One eval-mode teacher pass over <paramref name="features"/>, in data order, with the [CLS] states
    /// stored as <paramref name="clsDtype"/> (the states come from the fp32 residual stream, so bf16 rounds them once).</summary>
    public static TeacherRecord Compute(BertClassifier teacher, IReadOnlyList<EncodedExample> features, int paddingId, int batchSize, Device device,
        RecordDtype clsDtype = RecordDtype.Fp32, CancellationToken cancellationToken = default)
    {
        ScalarType stored = DtypeOf(Name(clsDtype));
        if (features.Count == 0)
        {
            BertConfig config = teacher.Config; // a shard with no rows of this split: empty, but of the split's shapes
            return new TeacherRecord(zeros(0, config.NumLabels), zeros([0, config.NumHiddenLayers, config.HiddenSize], stored));
        }
        var logits = new List<Tensor>();
        var cls = new List<Tensor>();
        EvaluationLoop.Run(teacher, features, paddingId, batchSize, device, (_, output) =>
        {
            logits.Add(output.Logits.to(ScalarType.Float32).cpu().MoveToOuterDisposeScope());
            cls.Add(stack(output.LayerOutputs.Select(h => h.select(1, 0)).ToArray(), 1).to(stored).cpu().MoveToOuterDisposeScope());
        }, cancellationToken);
        var record = new TeacherRecord(cat(logits, 0), cat(cls, 0));
        logits.ForEach(t => t.Dispose());
        cls.ForEach(t => t.Dispose());
        return record;
    }

    /// <summary>The teacher logits and the [CLS] states at <paramref name="layers"/> for a batch's rows, in fp32 on <paramref name="device"/>.</summary>
    public (Tensor Logits, Tensor[] Cls) Select(int[] indices, IReadOnlyList<int> layers, Device device)
    {
        using var scope = NewDisposeScope();
        Tensor rows = tensor(indices.Select(i => (long)i).ToArray());
        Tensor logits = Logits.index_select(0, rows).to(device);
        Tensor[] cls = layers.Select(layer => Cls.index_select(0, rows).select(1, layer).to(device).to(ScalarType.Float32).MoveToOuterDisposeScope()).ToArray();
        return (logits.MoveToOuterDisposeScope(), cls);
    }

    /// <summary>Writes record-{split}.safetensors and its metadata (see <see cref="Save(string, string, TeacherRecordKey, ShardRows?)"/>).</summary>
    public void Save(string folder, string split, TeacherRecordKey key) => Save(folder, key.FileStem(split), key, shard: null);

    /// <summary>Writes {stem}.safetensors, then {stem}.json with the key and the tensor file's SHA-256, each atomically;
    /// a reader that finds one from one writer and the other from another finds their hashes differ. A shard's files
    /// also record its rows (<paramref name="shard"/>; null for a whole split).</summary>
    public void Save(string folder, string stem, TeacherRecordKey key, ShardRows? shard)
    {
        if (Cls.dtype != DtypeOf(key.ClsDtype))
        {
            throw new InvalidOperationException($"The record's [CLS] states are {Cls.dtype}, but its key says {key.ClsDtype}.");
        }
        string tensors = Path.Combine(folder, stem + ".safetensors");
        WeightsFile.WriteSafetensors(tensors, new Dictionary<string, Tensor> { ["logits"] = Logits, ["cls"] = Cls });
        var meta = new Metadata(key, Count, Layers, Sha256(tensors), new FileInfo(tensors).Length, shard);
        JsonFile.WriteSealed(Path.Combine(folder, stem + ".json"), JsonSerializer.SerializeToNode(meta, JsonFile.MetadataOptions)!.AsObject());
    }

    /// <summary>The saved record of <paramref name="split"/> when its key matches and its file is intact; else null,
    /// with the reason in <paramref name="why"/> (null when there simply is no record, or it is for other inputs).</summary>
    public static TeacherRecord? TryLoad(string folder, string split, TeacherRecordKey key, out string? why) => TryLoadStem(folder, key.FileStem(split), key, shard: null, out why);

    /// <summary><see cref="TryLoad"/> of the files named <paramref name="stem"/>, which must hold <paramref name="shard"/>'s rows (null: a whole split).</summary>
    public static TeacherRecord? TryLoadStem(string folder, string stem, TeacherRecordKey key, ShardRows? shard, out string? why)
    {
        why = null;
        try
        {
            if (ReadMetadata(folder, stem) is not { } meta || meta.Key != key || meta.Shard != shard)
            {
                return null; // none, or another teacher, data set, vocabulary, length or shard cut: not damage, just not this record
            }
            return ReadTensors(folder, stem, meta);
        }
        catch (CorruptFileException e)
        {
            why = e.Message;
            return null;
        }
    }

    /// <summary>{stem}.json, when it and {stem}.safetensors exist; a damaged one is a <see cref="CorruptFileException"/>.</summary>
    public static Metadata? ReadMetadata(string folder, string stem)
    {
        string metaPath = Path.Combine(folder, stem + ".json");
        if (!File.Exists(metaPath) || !File.Exists(Path.Combine(folder, stem + ".safetensors")))
        {
            return null;
        }
        JsonObject json = JsonFile.ReadSealed(metaPath, out bool wasSealed, sealedSince: "bytes");
        return JsonFile.Deserialize<Metadata>(json, metaPath, JsonFile.OptionsFor(wasSealed));
    }

    /// <summary>{stem}.safetensors, checked against <paramref name="meta"/>: its size, SHA-256, tensors, shapes and dtypes.</summary>
    public static TeacherRecord ReadTensors(string folder, string stem, Metadata meta)
    {
        string metaPath = Path.Combine(folder, stem + ".json");
        string tensorsPath = Path.Combine(folder, stem + ".safetensors");
        long size = new FileInfo(tensorsPath).Length;
        if (meta.Bytes is long expected && size != expected)
        {
            throw new CorruptFileException(tensorsPath, $"{size:N0} bytes, but {metaPath} recorded {expected:N0}; the file is truncated or damaged.");
        }
        if (!string.Equals(meta.Sha256, Sha256(tensorsPath), StringComparison.OrdinalIgnoreCase))
        {
            throw new CorruptFileException(tensorsPath, $"does not match the SHA-256 recorded in {metaPath}; the file is damaged.");
        }
        Dictionary<string, Tensor> tensors = WeightsFile.Read(tensorsPath);
        if (!tensors.TryGetValue("logits", out Tensor? logits) || !tensors.TryGetValue("cls", out Tensor? cls)
            || logits.dim() != 2 || cls.dim() != 3 || logits.shape[0] != meta.Examples || cls.shape[0] != meta.Examples || cls.shape[1] != meta.Layers
            || logits.dtype != ScalarType.Float32 || cls.dtype != DtypeOf(meta.Key.ClsDtype))
        {
            foreach (Tensor tensor in tensors.Values)
            {
                tensor.Dispose();
            }
            throw new CorruptFileException(tensorsPath, $"does not hold fp32 logits [{meta.Examples}, labels] and {meta.Key.ClsDtype} cls [{meta.Examples}, {meta.Layers}, hidden] as {metaPath} says.");
        }
        return new TeacherRecord(logits, cls);
    }

    /// <summary>A record for the split: the saved one when it matches and is intact, else a new teacher pass, saved.
    /// A damaged saved record is reported through <paramref name="note"/> and recomputed.</summary>
    public static (TeacherRecord Record, bool Reused) LoadOrCompute(string folder, string split, TeacherRecordKey key, Func<TeacherRecord> compute,
        Action<string>? note = null, CancellationToken cancellation = default) =>
        LoadOrCompute(folder, key.FileStem(split), key, shard: null, compute, note, cancellation);

    /// <summary>The files named <paramref name="stem"/>: reused when they match and are intact, else computed and saved
    /// under their lock. A process that finds the lock held waits for it and then reuses what its holder wrote, so two
    /// processes asked for one record compute it once; reading a finished record takes no lock (its folder may be
    /// read-only). <paramref name="shard"/>: the rows a shard's files hold; null for a whole split.</summary>
    public static (TeacherRecord Record, bool Reused) LoadOrCompute(string folder, string stem, TeacherRecordKey key, ShardRows? shard, Func<TeacherRecord> compute,
        Action<string>? note, CancellationToken cancellation)
    {
        if (TryLoadStem(folder, stem, key, shard, out _) is { } saved)
        {
            return (saved, true);
        }
        using FolderLock held = Lock(folder, stem, note, cancellation);
        if (TryLoadStem(folder, stem, key, shard, out string? why) is { } written)
        {
            return (written, true); // the holder we waited for wrote it
        }
        if (why is not null)
        {
            note?.Invoke($"teacher record: {why} Recomputing it.");
        }
        RemoveTemporaries(folder, stem);
        TeacherRecord record = compute();
        record.Save(folder, stem, key, shard);
        return (record, false);
    }

    /// <summary>The lock of the files named <paramref name="stem"/> (.{stem}.lock in <paramref name="folder"/>, held by
    /// the operating system, so a killed holder leaves none), waited for while another process holds it.</summary>
    public static FolderLock Lock(string folder, string stem, Action<string>? note, CancellationToken cancellation)
    {
        Directory.CreateDirectory(folder);
        string lockFile = Path.Combine(folder, $".{stem}.lock");
        for (bool told = false; ; told = true)
        {
            cancellation.ThrowIfCancellationRequested();
            if (FolderLock.TryTake(lockFile, "teacher record", out string holder) is { } held)
            {
                return held;
            }
            if (!told)
            {
                note?.Invoke($"teacher record: {Path.Combine(folder, stem)} is being written by {holder}; waiting for it.");
            }
            cancellation.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(500));
        }
    }

    /// <summary>The temporary files a writer of {stem}'s files left when it was killed mid-write (never read). Only
    /// under the stem's lock: no other process can be writing them then.</summary>
    private static void RemoveTemporaries(string folder, string stem)
    {
        foreach (string file in Directory.EnumerateFiles(folder, $".{stem}.*.tmp"))
        {
            string name = Path.GetFileName(file);
            if (AtomicFile.IsTemporary(name) && (name.StartsWith($".{stem}.safetensors.", StringComparison.Ordinal) || name.StartsWith($".{stem}.json.", StringComparison.Ordinal)))
            {
                File.Delete(file);
            }
        }
    }

    /// <summary>Removes the lock file of files no longer written (merged shards), when no process holds it; else leaves it.
    /// Safe while others poll for it: each try opens the path anew, so none can hold the removed file's lock.</summary>
    public static void RemoveLock(string folder, string stem)
    {
        string lockFile = Path.Combine(folder, $".{stem}.lock");
        using FolderLock? held = File.Exists(lockFile) ? FolderLock.TryTake(lockFile, "teacher record", out _) : null;
        if (held is not null)
        {
            File.Delete(lockFile);
        }
    }

    /// <summary>A teacher folder's identity: the hash of its config and weights.</summary>
    public static string FolderHash(string modelFolder)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (string name in new[] { ModelFiles.Config, ModelFiles.Safetensors, ModelFiles.PyTorch })
        {
            string path = Path.Combine(modelFolder, name);
            if (File.Exists(path))
            {
                using FileStream stream = File.OpenRead(path); // streamed (weights are hundreds of MB); the same hash as the bytes in one piece
                byte[] chunk = new byte[1 << 20];
                for (int read; (read = stream.Read(chunk)) > 0;)
                {
                    hash.AppendData(chunk, 0, read);
                }
            }
        }
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    public void Dispose()
    {
        Logits.Dispose();
        Cls.Dispose();
    }

    private static string Sha256(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream));
    }

    /// <summary>record-{split}.json: the key, the shapes and the tensor file's identity (and a shard's rows).</summary>
    /// <param name="Key">What the record was computed from.</param>
    /// <param name="Examples">Rows of the split.</param>
    /// <param name="Layers">Teacher layers recorded per row.</param>
    /// <param name="Sha256">The tensor file's SHA-256.</param>
    /// <param name="Bytes">The tensor file's size (null in records written before it was recorded).</param>
    /// <param name="Shard">A shard's rows of the split; null (and not written) for a whole split.</param>
    internal sealed record Metadata(TeacherRecordKey Key, int Examples, int Layers, string Sha256, long? Bytes = null,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ShardRows? Shard = null);
}
