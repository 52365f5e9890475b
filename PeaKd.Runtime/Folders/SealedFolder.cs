using PeaKd.IO;

namespace PeaKd.Folders;

/// <summary>
/// The one check every reader of a model folder makes before it builds a tensor: a folder PeaKd wrote must hold
/// exactly the files its manifest lists, each of the size and SHA-256 written there; a folder without a manifest (a
/// Hugging Face folder, an older PeaKd folder) must at least hold files that agree (<see cref="FolderFacts"/>).
/// Hashes are cached per file while it keeps its inode, size and modification and change times (<see cref="FileHashes"/>),
/// so the many readers of one folder in a process hash it once.
/// </summary>
internal static class SealedFolder
{
    /// <summary>Verifies <paramref name="folder"/>; returns its manifest, or null for a folder PeaKd did not seal.
    /// A <see cref="CorruptFileException"/> names the file that changed, is missing, or does not belong.</summary>
    /// <param name="folder">The folder.</param>
    /// <param name="which">The listed files to check (all when null): a report reading a fine-tuning run's record needs
    /// its own files, not its model's weights.</param>
    public static FolderManifest? Verify(string folder, Func<string, bool>? which = null)
    {
        FolderManifest? manifest = FolderManifest.Read(folder);
        if (manifest is null)
        {
            if (File.Exists(Path.Combine(folder, ModelFiles.Config)))
            {
                FolderFacts.Of(folder); // files that disagree are refused here too
            }
            return null;
        }
        string advice = $"The folder was damaged or edited after PeaKd wrote it ({FolderManifest.FileName} lists what it wrote); write it again, or restore it from a copy.";
        foreach ((string name, ManifestFile file) in manifest.Files.Where(f => which?.Invoke(f.Key) ?? true))
        {
            string path = Path.Combine(folder, name);
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new CorruptFileException(path, $"missing. {advice}");
            }
            if (info.Length != file.Bytes)
            {
                throw new CorruptFileException(path, $"{info.Length:N0} bytes where PeaKd wrote {file.Bytes:N0}. {advice}");
            }
            if (!string.Equals(FileHashes.Sha256(path), file.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new CorruptFileException(path, $"its content changed (its SHA-256 is not the one PeaKd wrote). {advice}");
            }
        }
        if (ModelFiles.Present(folder).FirstOrDefault(name => !manifest.Files.ContainsKey(name)) is string stranger)
        {
            throw new CorruptFileException(Path.Combine(folder, stranger),
                $"not part of the {FolderKinds.Name(manifest.Kind)} folder PeaKd wrote (its {FolderManifest.FileName} does not list it), and a reader would take it for the model's own. Remove it, or write the folder again.");
        }
        return manifest;
    }
}
