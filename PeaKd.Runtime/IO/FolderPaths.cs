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
}
