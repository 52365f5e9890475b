namespace PeaKd.IO;

/// <summary>Folder comparisons that ignore how a path is written (relative or absolute, a trailing separator).</summary>
internal static class FolderPaths
{
    /// <summary>The absolute path without a trailing separator.</summary>
    public static string Full(string path) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));

    /// <summary>Whether <paramref name="folder"/> is <paramref name="outer"/> or lies inside it.</summary>
    public static bool IsSameOrInside(string folder, string outer)
    {
        string inner = Full(folder), container = Full(outer);
        return string.Equals(inner, container, StringComparison.Ordinal)
            || inner.StartsWith(container.EndsWith(Path.DirectorySeparatorChar) ? container : container + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }

    /// <summary>The absolute path with every symbolic link along it resolved (as far as the path exists; the rest is
    /// appended as written), so that two names of one folder compare equal.</summary>
    public static string Real(string path) => Real(Full(path), depth: 0);

    private static string Real(string full, int depth)
    {
        if (depth > 40)
        {
            throw new IOException($"{full}: too many levels of symbolic links (a loop?).");
        }
        string root = Path.GetPathRoot(full)!;
        string current = root;
        foreach (string part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            string next = Path.Combine(current, part);
            var info = new FileInfo(next);
            if (info.LinkTarget is string target)
            {
                next = Real(Full(Path.Combine(current, target)), depth + 1);
            }
            current = next;
        }
        return current;
    }

    /// <summary>Whether <paramref name="path"/> is <paramref name="outer"/> or inside it once symbolic links are resolved.</summary>
    public static bool IsReallySameOrInside(string path, string outer) => IsSameOrInside(Real(path), Real(outer));
}
