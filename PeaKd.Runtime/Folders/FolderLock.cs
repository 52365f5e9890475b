using System.Globalization;
using System.Text.Json.Nodes;

using PeaKd.IO;

namespace PeaKd.Folders;

/// <summary>
/// The one lock every writer of a folder takes, training or export or import alike: an exclusive open of
/// <c>.NAME.lock</c> beside the folder (beside, so the lock does not move when a staged folder is swapped into place,
/// and it exists before the folder does). The operating system holds it, so a killed writer leaves none behind;
/// <c>.NAME.lock.json</c> names the holder for the message a second writer gets. A run also locks its own
/// <c>run.lock</c> the same way (<see cref="TryTake"/>).
/// </summary>
internal sealed class FolderLock : IDisposable
{
    private const int WouldBlockUnix = 11; // EWOULDBLOCK from flock: another holder
    private const int SharingViolationWindows = unchecked((int)0x80070020);

    private readonly FileStream _held;
    private readonly string _ownerFile;

    private FolderLock(FileStream held, string ownerFile)
    {
        _held = held;
        _ownerFile = ownerFile;
    }

    /// <summary>Takes <paramref name="folder"/>'s lock for <paramref name="writer"/> ("export", "distill run");
    /// another holder is a <see cref="FolderInUseException"/> naming it.</summary>
    public static FolderLock Take(string folder, string writer)
    {
        string full = FolderPaths.Full(folder);
        string parent = Path.GetDirectoryName(full) ?? throw new ArgumentException($"{folder}: a file system root cannot be written as a folder.");
        Directory.CreateDirectory(parent);
        string lockFile = Path.Combine(parent, $".{Path.GetFileName(full)}.lock");
        return TryTake(lockFile, writer, out string holder) ?? throw new FolderInUseException(full, holder);
    }

    /// <summary>Takes the exclusive lock of <paramref name="lockFile"/> (created when missing) and names
    /// <paramref name="writer"/> as its holder in <c>LOCKFILE.json</c>; null, with the current holder, when another has it.</summary>
    public static FolderLock? TryTake(string lockFile, string writer, out string holder)
    {
        string ownerFile = lockFile + ".json";
        FileStream held;
        try
        {
            held = new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new IOException($"{lockFile}: cannot create the lock every writer of a folder takes ({e.Message}); PeaKd locks a folder from the folder that holds it, which must be writable. Write to a folder inside a writable one.", e);
        }
        catch (IOException e) when (e.HResult is WouldBlockUnix or SharingViolationWindows)
        {
            holder = Holder(ownerFile);
            return null;
        }
        try
        {
            var owner = new JsonObject
            {
                ["writer"] = writer,
                ["pid"] = Environment.ProcessId,
                ["host"] = Environment.MachineName,
                ["started"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture),
            };
            AtomicFile.WriteAllText(ownerFile, owner.ToJsonString() + "\n");
            holder = writer;
            return new FolderLock(held, ownerFile);
        }
        catch
        {
            held.Dispose(); // a full or read-only disk: the error is that, and the folder is not left locked
            throw;
        }
    }

    /// <summary>Who holds the lock, as its owner file says (a holder that has just taken it may not have written it yet).</summary>
    private static string Holder(string ownerFile)
    {
        for (int wait = 0; wait < 10 && !File.Exists(ownerFile); wait++)
        {
            Thread.Sleep(50); // a holder that took the lock a moment ago is about to say who it is
        }
        try
        {
            JsonObject owner = JsonFile.ReadObject(ownerFile);
            return $"process {owner["pid"]} on {owner["host"]}, since {owner["started"]}{(owner["writer"] is JsonNode writer ? $", writer: {writer}" : "")}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "a process that has not said which";
        }
    }

    public void Dispose()
    {
        File.Delete(_ownerFile); // before the lock goes, so a new holder's owner file is never deleted
        _held.Dispose();
    }
}
