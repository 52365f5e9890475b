namespace PeaKd.Folders;

/// <summary>Another writer (a training run, an export, an import) holds the folder. Two writers would replace each
/// other's files, so the second is refused before it writes anything.</summary>
public sealed class FolderInUseException : IOException
{
    internal FolderInUseException(string folder, string holder)
        : base($"{folder} is being written by another PeaKd process ({holder}). Wait for it to finish or stop it, or write to another folder. A writer that was killed holds no lock.")
    {
        Folder = folder;
    }

    /// <summary>The folder.</summary>
    public string Folder { get; }
}
