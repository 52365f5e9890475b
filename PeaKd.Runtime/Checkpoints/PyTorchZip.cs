using System.IO.Compression;
using PeaKd.IO;

namespace PeaKd.Checkpoints;

/// <summary>
/// Checks a pytorch_model.bin (torch.save's zip: archive/data.pkl plus one stored entry per storage) before the
/// loader reads it: a readable zip, one data.pkl that is a plain state dict, every storage present, stored
/// uncompressed (as torch.save writes them) and exactly as large as the pickle says, and every tensor's view inside
/// its storage. The loader allocates what the pickle claims, so a damaged claim must fail here, naming the file.
/// </summary>
internal static class PyTorchZip
{
    /// <summary>A state dict's pickle is a few hundred kilobytes even for large models.</summary>
    public const long MaxPickleBytes = 64 << 20;

    private static readonly IReadOnlyDictionary<string, int> StorageSizes = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["DoubleStorage"] = 8, ["FloatStorage"] = 4, ["HalfStorage"] = 2, ["BFloat16Storage"] = 2, ["LongStorage"] = 8,
        ["IntStorage"] = 4, ["ShortStorage"] = 2, ["CharStorage"] = 1, ["ByteStorage"] = 1, ["BoolStorage"] = 1,
    };

    public static IReadOnlyList<PickledTensor> Validate(string path)
    {
        using FileStream stream = File.OpenRead(path);
        Span<byte> signature = stackalloc byte[4];
        if (stream.Length < 4 || stream.Read(signature) < 4 || signature[0] != 0x50 || signature[1] != 0x4B || signature[2] != 0x03 || signature[3] != 0x04)
        {
            throw new CorruptFileException(path,
                "not a zip-based PyTorch checkpoint (no zip signature). Files saved by PyTorch before 1.6 must be re-saved with a recent torch.save, or converted to safetensors.", "byte 0");
        }
        stream.Position = 0;
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new CorruptFileException(path, $"not a readable zip archive ({e.Message.TrimEnd('.')}). The file is truncated or damaged.", inner: e);
        }
        using (archive)
        {
            IReadOnlyList<ZipArchiveEntry> entries;
            try
            {
                entries = archive.Entries;
            }
            catch (InvalidDataException e)
            {
                throw new CorruptFileException(path, $"the zip directory is damaged ({e.Message.TrimEnd('.')}).", inner: e);
            }
            // The loader takes the first entry named *data.pkl; check that same one.
            ZipArchiveEntry pickleEntry = entries.FirstOrDefault(e => e.Name.EndsWith("data.pkl", StringComparison.Ordinal))
                ?? throw new CorruptFileException(path, "the zip holds no data.pkl; it is not a torch.save checkpoint.");
            if (pickleEntry.Length > MaxPickleBytes)
            {
                throw new CorruptFileException(path, $"data.pkl claims {pickleEntry.Length:N0} bytes; a state dict's pickle is far smaller.", pickleEntry.FullName);
            }
            byte[] pickle = ReadEntry(path, pickleEntry);
            IReadOnlyList<PickledTensor> tensors = StateDictPickle.Read(pickle, path, pickleEntry.FullName);
            foreach (PickledTensor tensor in tensors)
            {
                Check(path, entries, tensor);
            }
            return tensors;
        }
    }

    private static void Check(string path, IReadOnlyList<ZipArchiveEntry> entries, PickledTensor tensor)
    {
        string where = $"tensor '{tensor.Name}'";
        if (!StorageSizes.TryGetValue(tensor.StorageType, out int elementSize))
        {
            throw new CorruptFileException(path, $"storage type {tensor.StorageType} is not one PeaKd reads ({string.Join(", ", StorageSizes.Keys)}).", where);
        }
        // the same lookup as the loader: the first entry ending in data/{key}
        ZipArchiveEntry storage = entries.FirstOrDefault(e => e.FullName.EndsWith($"data/{tensor.StorageKey}", StringComparison.Ordinal))
            ?? throw new CorruptFileException(path, $"its storage data/{tensor.StorageKey} is not in the zip. The file is incomplete.", where);
        if (storage.CompressedLength != storage.Length)
        {
            throw new CorruptFileException(path, $"storage {storage.FullName} is compressed; torch.save stores tensors uncompressed, so this is not its file.", where);
        }
        if (tensor.StorageElements < 0 || tensor.StorageElements > int.MaxValue || tensor.StorageElements * elementSize != storage.Length)
        {
            throw new CorruptFileException(path,
                $"the pickle says its storage holds {tensor.StorageElements:N0} elements of {elementSize} bytes, but {storage.FullName} has {storage.Length:N0} bytes.", where);
        }
        if (tensor.Offset < 0 || tensor.Shape.Any(s => s < 0) || tensor.Stride.Any(s => s < 0))
        {
            throw new CorruptFileException(path, "a negative offset, size or stride.", where);
        }
        long elements = 1;
        long lastIndex = tensor.Offset;
        for (int i = 0; i < tensor.Shape.Length; i++)
        {
            long size = tensor.Shape[i];
            elements = size == 0 || elements == 0 ? 0 : elements > tensor.StorageElements / size ? long.MaxValue : elements * size;
            if (size > 0)
            {
                long step = tensor.Stride[i] == 0 ? 0 : size - 1 > (long.MaxValue - lastIndex) / tensor.Stride[i] ? long.MaxValue : (size - 1) * tensor.Stride[i];
                lastIndex = step == long.MaxValue ? long.MaxValue : lastIndex + step;
            }
        }
        if (elements > tensor.StorageElements || (elements > 0 && lastIndex >= tensor.StorageElements))
        {
            throw new CorruptFileException(path,
                $"shape [{string.Join(", ", tensor.Shape)}] with stride [{string.Join(", ", tensor.Stride)}] at offset {tensor.Offset} reaches outside its storage of {tensor.StorageElements:N0} elements.", where);
        }
    }

    private static byte[] ReadEntry(string path, ZipArchiveEntry entry)
    {
        try
        {
            using Stream content = entry.Open();
            var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = content.Read(chunk)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > MaxPickleBytes)
                {
                    throw new CorruptFileException(path, "data.pkl decompresses to more than it claims.", entry.FullName);
                }
            }
            return buffer.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new CorruptFileException(path, $"data.pkl cannot be read ({e.Message.TrimEnd('.')}). The file is damaged.", entry.FullName, e);
        }
    }
}
