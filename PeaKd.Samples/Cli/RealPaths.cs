namespace PeaKd.Samples.Cli;

/// <summary>Paths with their links resolved, to tell whether two paths name the same file or folder however they reach it.</summary>
internal static class RealPaths
{
    private const int MaxLinks = 40; // as Linux's ELOOP

    /// <summary>The absolute path with every link along it resolved (as realpath does); the parts that do not exist yet
    /// (a file about to be written) are kept as written. A link loop is an <see cref="IOException"/>.</summary>
    public static string Of(string path) => Of(path, path, links: 0);

    private static string Of(string given, string path, int links)
    {
        string full = Path.GetFullPath(path);
        string resolved = Path.GetPathRoot(full)!;
        foreach (string part in full[resolved.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            string next = Path.Combine(resolved, part);
            if (new FileInfo(next).LinkTarget is string target)
            {
                if (links >= MaxLinks)
                {
                    throw new IOException($"{given}: too many levels of symbolic links (a link loop?).");
                }
                next = Of(given, Path.IsPathRooted(target) ? target : Path.Combine(resolved, target), links + 1);
            }
            resolved = next;
        }
        return Path.TrimEndingDirectorySeparator(resolved);
    }
}
