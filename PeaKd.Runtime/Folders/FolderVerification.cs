using PeaKd.IO;
using PeaKd.Options;

namespace PeaKd.Folders;

/// <summary>A model folder whose files were checked.</summary>
/// <param name="Folder">The folder.</param>
/// <param name="Kind">What PeaKd wrote there ("student", "fine-tuned", "onnx-export", ...), or "unsealed" for a folder
/// without a manifest (from Hugging Face, or an older PeaKd), whose files were checked against each other only.</param>
/// <param name="Files">The files its manifest lists, each of the size and SHA-256 written.</param>
/// <param name="Version">The PeaKd version that wrote it; null when unsealed.</param>
public sealed record VerifiedFolder(string Folder, string Kind, int Files, string? Version)
{
    /// <summary>Its properties and their values, lists and dictionaries with their items.</summary>
    public override string ToString() => RecordText.Of(this);
}

/// <summary>Checks folders PeaKd wrote, as every reader does before it loads one: each file its manifest
/// (peakd-manifest.json) lists must be there with the size and SHA-256 written, and no model file it does not list.</summary>
public static class FolderVerification
{
    /// <summary>Verifies a model folder, or a run folder's sealed summary and every model folder in it (the run's own
    /// model, teacher/ and student/). A <see cref="CorruptFileException"/> names the first file that changed, is
    /// missing or does not belong.</summary>
    /// <param name="folder">A run, student, teacher, import or export folder.</param>
    public static IReadOnlyList<VerifiedFolder> Verify(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"{folder}: folder not found.");
        }
        string summary = Path.Combine(folder, "summary.json");
        if (File.Exists(summary))
        {
            JsonFile.ReadSealed(summary); // a finished run's record, sealed since it was written
        }
        var verified = new List<VerifiedFolder>();
        foreach (string candidate in new[] { folder, Path.Combine(folder, "teacher"), Path.Combine(folder, "student") })
        {
            if (File.Exists(Path.Combine(candidate, ModelFiles.Config)) || File.Exists(Path.Combine(candidate, FolderManifest.FileName)))
            {
                FolderManifest? manifest = SealedFolder.Verify(candidate);
                verified.Add(new VerifiedFolder(Path.GetFullPath(candidate), manifest is null ? "unsealed" : FolderKinds.Name(manifest.Kind), manifest?.Files.Count ?? 0, manifest?.Version));
            }
        }
        return verified.Count > 0 ? verified
            : throw new FileNotFoundException($"{folder}: no model folder here (no config.json or {FolderManifest.FileName}, nor in teacher/ or student/); give a run, model or export folder.");
    }
}
