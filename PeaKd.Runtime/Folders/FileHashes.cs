using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace PeaKd.Folders;

/// <summary>
/// SHA-256 of files, each hashed once per process while it stays the same file with the same content: a folder is
/// verified by every reader that opens it (the checks before a run, the load, the export), and the weights are the bulk
/// of it. "The same" is the file's inode, size, and modification and change times (Linux's statx): a copy that keeps the
/// size and sets the modification time back (cp -p, rsync -a, touch -r) still gets a new change time, which no tool can
/// set. Where statx is not available every hash is taken afresh.
/// </summary>
internal static class FileHashes
{
    private readonly record struct Identity(ulong Inode, ulong Bytes, long ModifiedSeconds, uint ModifiedNanoseconds, long ChangedSeconds, uint ChangedNanoseconds);

    private static readonly ConcurrentDictionary<string, (Identity Identity, string Sha256)> Known = new(StringComparer.Ordinal);

    /// <summary>How many times this process read and hashed <paramref name="path"/> (not served from the cache): what the tests watch.</summary>
    internal static int TimesHashed(string path) => Reads.GetValueOrDefault(Path.GetFullPath(path));

    private static readonly ConcurrentDictionary<string, int> Reads = new(StringComparer.Ordinal);

    /// <summary>The file's SHA-256, upper-case hex.</summary>
    public static string Sha256(string path)
    {
        string full = Path.GetFullPath(path);
        Identity? before = IdentityOf(full);
        if (before is Identity identity && Known.TryGetValue(full, out var known) && known.Identity == identity)
        {
            return known.Sha256;
        }
        string hash;
        using (FileStream stream = new(full, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 20))
        {
            hash = Convert.ToHexString(SHA256.HashData(stream));
        }
        Reads.AddOrUpdate(full, 1, (_, count) => count + 1);
        if (before is Identity unchanged && IdentityOf(full) == unchanged) // not written to while it was hashed
        {
            Known[full] = (unchanged, hash);
        }
        return hash;
    }

    private const int AtFdCwd = -100;
    private const uint WantedFields = 0x40 | 0x80 | 0x100 | 0x200; // STATX_MTIME, STATX_CTIME, STATX_INO, STATX_SIZE

    /// <summary>The file's identity from statx (its layout is the same on every Linux architecture); null where that fails.</summary>
    private static Identity? IdentityOf(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        byte[] buffer = new byte[256]; // struct statx
        try
        {
            if (statx(AtFdCwd, path, 0, WantedFields, buffer) != 0)
            {
                return null;
            }
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return null; // a C library without statx: no cache
        }
        if ((BitConverter.ToUInt32(buffer, 0) & WantedFields) != WantedFields)
        {
            return null;
        }
        // offsets of struct statx: stx_ino 32, stx_size 40, stx_ctime 96 (tv_sec, tv_nsec), stx_mtime 112
        return new Identity(BitConverter.ToUInt64(buffer, 32), BitConverter.ToUInt64(buffer, 40),
            BitConverter.ToInt64(buffer, 112), BitConverter.ToUInt32(buffer, 120), BitConverter.ToInt64(buffer, 96), BitConverter.ToUInt32(buffer, 104));
    }

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
#pragma warning disable CA2101, SYSLIB1054 // paths are passed as UTF-8 by the default marshalling on Unix
    private static extern int statx(int directory, string path, int flags, uint mask, [Out] byte[] buffer);
#pragma warning restore CA2101, SYSLIB1054
}
