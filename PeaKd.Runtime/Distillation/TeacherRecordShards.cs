using static TorchSharp.torch;

namespace PeaKd.Distillation;

/// <summary>How a record is cut into shards and put together again.</summary>
internal static class TeacherRecordShards
{
    /// <summary>Shard <paramref name="shard"/>'s rows [First, End) of a split of <paramref name="rows"/> rows: whole
    /// batches of <paramref name="batchSize"/> (the last one may be short), spread as evenly as whole batches allow.
    /// A split of fewer batches than shards leaves some shards none of its rows.</summary>
    public static (int First, int End) Rows(int rows, int batchSize, TeacherRecordShard shard)
    {
        long batches = (rows + (long)batchSize - 1) / batchSize;
        long firstBatch = batches * shard.Index / shard.Count;
        long endBatch = batches * (shard.Index + 1) / shard.Count;
        return ((int)Math.Min(firstBatch * batchSize, rows), (int)Math.Min(endBatch * batchSize, rows));
    }

    /// <summary>The shards named <paramref name="stems"/> (shard 0 first), each checked against <paramref name="key"/>
    /// and against the rows the ones before it covered, concatenated into the split's record.</summary>
    /// <param name="folder">The record folder.</param>
    /// <param name="stems">The shards' file names without extension, in order.</param>
    /// <param name="key">The key the merge's options give.</param>
    /// <param name="split">The split, for messages.</param>
    /// <param name="rows">The split's rows, as read now.</param>
    /// <param name="task">The task's name, for messages.</param>
    public static TeacherRecord Concatenate(string folder, IReadOnlyList<string> stems, TeacherRecordKey key, string split, int rows, string task)
    {
        var parts = new List<TeacherRecord>();
        try
        {
            int next = 0;
            for (int i = 0; i < stems.Count; i++)
            {
                string meta = Path.Combine(folder, stems[i] + ".json");
                TeacherRecord.Metadata shard = TeacherRecord.ReadMetadata(folder, stems[i])
                    ?? throw new FileNotFoundException($"{meta}: shard {i} of {stems.Count} of the {split} record is missing (or its .safetensors is). "
                        + $"Compute it with {nameof(TeacherRecordOptions)}.{nameof(TeacherRecordOptions.Shard)} {i}/{stems.Count}, then merge again.{OtherCounts(folder, key.FileStem(split), stems.Count)}", meta);
                Check(meta, shard, key, i, stems.Count, next, rows, $"{task} {split}");
                parts.Add(TeacherRecord.ReadTensors(folder, stems[i], shard));
                next += shard.Examples;
            }
            if (next != rows)
            {
                throw new InvalidDataException($"{Path.Combine(folder, stems[^1] + ".json")}: the {stems.Count} shards of the {split} record end at row {next}, but {split} has {rows} rows; compute the shards again with the same options.");
            }
            return new TeacherRecord(cat(parts.Select(p => p.Logits).ToArray(), 0), cat(parts.Select(p => p.Cls).ToArray(), 0));
        }
        finally
        {
            parts.ForEach(p => p.Dispose());
        }
    }

    /// <summary>A shard must have the merge's key, its own place in the count, and start where the shard before it ended.</summary>
    private static void Check(string meta, TeacherRecord.Metadata shard, TeacherRecordKey key, int index, int count, int first, int rows, string data)
    {
        string where = $"{meta}: shard {index} of {count} of the {data} record";
        if (KeyDifference(shard.Key, key) is string differs)
        {
            throw new InvalidDataException($"{where} was computed {differs}. Compute it again with these options, or merge with the options it was computed with.");
        }
        if (shard.Shard is not { } cut || cut.Index != index || cut.Count != count)
        {
            throw new InvalidDataException($"{where} says it is {(shard.Shard is { } other ? $"shard {other.Index} of {other.Count}" : "a whole record")}; the file was renamed or damaged. Compute the shard again.");
        }
        if (cut.SplitRows != rows || cut.FirstRow != first)
        {
            throw new InvalidDataException($"{where} holds rows {cut.FirstRow} to {cut.FirstRow + shard.Examples - 1} of {cut.SplitRows}, but the shards before it end at row {first} of {rows}: "
                + $"the shards were cut differently ({nameof(TeacherRecordOptions)}.{nameof(TeacherRecordOptions.EvalBatchSize)} differs). Compute every shard with the same options.");
        }
    }

    /// <summary>What differs between the key a shard was computed with and the merge's, in words naming the option; null when none.</summary>
    private static string? KeyDifference(TeacherRecordKey shard, TeacherRecordKey merge)
    {
        string options = nameof(TeacherRecordOptions);
        return shard.Teacher != merge.Teacher ? $"from another teacher (its hash {Short(shard.Teacher)}, {options}.{nameof(TeacherRecordOptions.Teacher)}'s {Short(merge.Teacher)})"
            : shard.Data != merge.Data ? $"from other data (its content hash {Short(shard.Data)}, {options}.{nameof(TeacherRecordOptions.Data)}'s {Short(merge.Data)})"
            : shard.Vocab != merge.Vocab ? "with another vocabulary (the teacher's vocab.txt differs)"
            : shard.MaxLength != merge.MaxLength ? $"with {options}.{nameof(TeacherRecordOptions.MaxLength)} {shard.MaxLength}, not {merge.MaxLength}"
            : shard.Precision != merge.Precision ? $"in {shard.Precision}, but {options}.{nameof(TeacherRecordOptions.Precision)} gives {merge.Precision}"
            : shard.ClsDtype != merge.ClsDtype ? $"with {shard.ClsDtype} [CLS] states, but {options}.{nameof(TeacherRecordOptions.RecordDtype)} is {merge.ClsDtype}"
            : null;
    }

    /// <summary>" The folder holds shards of 3 and 4." when shards of other counts are there (a merge asked for the wrong count); else "".</summary>
    private static string OtherCounts(string folder, string stem, int count)
    {
        int[] others = Directory.EnumerateFiles(folder, $"{stem}.shard-*-of-*.json")
            .Select(f => Path.GetFileNameWithoutExtension(f)[(stem.Length + ".shard-".Length)..].Split("-of-"))
            .Select(p => p.Length == 2 && int.TryParse(p[1], out int n) ? n : count).Where(n => n != count).Distinct().Order().ToArray();
        return others.Length == 0 ? "" : $" The folder holds shards of {string.Join(" and ", others)}.";
    }

    private static string Short(string hash) => hash.Length > 12 ? hash[..12] : hash;
}
