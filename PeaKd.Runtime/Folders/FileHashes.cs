using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace PeaKd.Folders;

/// <summary>SHA-256 of files, each hashed once per process while its length and write time stay the same: a folder is
/// verified by every reader that opens it (the checks before a run, the load, the export), and the weights are the
/// bulk of it.</summary>
internal static class FileHashes
{
    private static readonly ConcurrentDictionary<string, (long Bytes, DateTime Written, string Sha256)> Known = new(StringComparer.Ordinal);

    /// <summary>The file's SHA-256, upper-case hex.</summary>
    public static string Sha256(string path)
    {
        var info = new FileInfo(path);
        string full = info.FullName;
        if (Known.TryGetValue(full, out var known) && known.Bytes == info.Length && known.Written == info.LastWriteTimeUtc)
        {
            return known.Sha256;
        }
        string hash;
        using (FileStream stream = new(full, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 20))
        {
            hash = Convert.ToHexString(SHA256.HashData(stream));
        }
        Known[full] = (info.Length, info.LastWriteTimeUtc, hash);
        return hash;
    }
}
