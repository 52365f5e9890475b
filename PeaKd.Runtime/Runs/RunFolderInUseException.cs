namespace PeaKd.Runs;

/// <summary>Another run is writing the run folder. Two writers would interleave their logs and replace each other's
/// outputs, so the second is refused before it writes anything.</summary>
public sealed class RunFolderInUseException : IOException
{
    internal RunFolderInUseException(string folder, string owner, string optionsType)
        : base($"{folder} is in use by another run ({owner}). Wait for it to finish, stop it, or give another {optionsType}.OutputFolder. " +
            "A run that was killed holds no lock: resuming it works.")
    {
        Folder = folder;
    }

    /// <summary>The run folder.</summary>
    public string Folder { get; }
}
