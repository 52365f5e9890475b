using PeaKd.IO;

namespace PeaKd.Sweeps;

/// <summary>
/// A sweep's executors may run on many machines over one shared folder (NFS, Lustre, GPFS). What keeps two of them
/// from training the same cell at once is the run folder's lock, an exclusive open that .NET takes with flock(2). On
/// a Linux NFS client flock is carried out as a POSIX lock held by the server (NFSv4, or NFSv3 with lockd), unless the
/// mount says <c>nolock</c> or <c>local_lock=flock|all</c>: then a lock excludes only processes of the same machine.
/// Nothing else needs a lock: results and attempts are written by atomic rename and exclusive create. So before the
/// shared steps the sweep refuses a folder whose mount keeps locks local, and a folder where a lock does not even
/// exclude a second holder on this machine.
/// </summary>
internal static class SweepLocking
{
    /// <summary>Throws <see cref="IOException"/> naming <paramref name="folder"/> when locks there cannot keep two
    /// executors off one cell.</summary>
    public static void Check(string folder)
    {
        if (LocalOnlyMount(FolderPaths.Real(folder)) is string mount)
        {
            throw new IOException(
                $"{folder}: the folder is on {mount}, whose locks hold only within one machine, so executors on two machines could train one cell at once. Mount it without 'nolock' and with local_lock=none (the default), or keep the sweep on one machine's disk.");
        }
        string probe = Path.Combine(folder, ".lock-probe");
        using var first = new FileStream(probe, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        try
        {
            using var second = new FileStream(probe, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return; // refused: a lock excludes a second holder here
        }
        throw new IOException(
            $"{folder}: a lock taken on this folder does not exclude a second holder, so two executors could train one cell at once; the file system does not lock. Put the sweep folder on one that does (a local disk, NFSv4, NFSv3 with lockd).");
    }

    /// <summary>The NFS mount holding <paramref name="path"/> when its options keep locks local ("server:/export on
    /// /mnt (nfs4, nolock)"); null for any other file system, or where /proc/self/mounts cannot be read.</summary>
    internal static string? LocalOnlyMount(string path, string mountsFile = "/proc/self/mounts")
    {
        if (!File.Exists(mountsFile))
        {
            return null;
        }
        string[]? holder = File.ReadLines(mountsFile).Select(line => line.Split(' '))
            .Where(fields => fields.Length >= 4 && Within(path, Unescape(fields[1])))
            .MaxBy(fields => Unescape(fields[1]).Length);
        if (holder is null || !holder[2].StartsWith("nfs", StringComparison.Ordinal))
        {
            return null;
        }
        string[] options = holder[3].Split(',');
        return options.Any(o => o is "nolock" or "local_lock=flock" or "local_lock=all")
            ? $"{holder[0]} on {Unescape(holder[1])} ({holder[2]}, {string.Join(", ", options.Where(o => o is "nolock" || o.StartsWith("local_lock", StringComparison.Ordinal)))})"
            : null;
    }

    private static bool Within(string path, string mountPoint) =>
        mountPoint == "/" || path == mountPoint || path.StartsWith(mountPoint.TrimEnd('/') + "/", StringComparison.Ordinal);

    /// <summary>/proc/self/mounts writes space, tab, newline and backslash in octal (\040).</summary>
    private static string Unescape(string field) =>
        field.Replace("\\040", " ").Replace("\\011", "\t").Replace("\\012", "\n").Replace("\\134", "\\");
}
