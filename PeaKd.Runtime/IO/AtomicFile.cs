namespace PeaKd.IO;

/// <summary>
/// Writes files so that a reader never sees a partial one: the content goes to a temporary file in
/// the same folder, which then replaces the target in one rename. A kill leaves at most a temporary
/// file (<c>.NAME.GUID.tmp</c>), which no reader opens and <see cref="RemoveTemporaries"/> clears.
/// </summary>
internal static class AtomicFile
{
    public static void WriteAllText(string path, string contents) =>
        Write(path, temporary => File.WriteAllText(temporary, contents));

    /// <summary>Calls <paramref name="writeTo"/> with a temporary path, then renames it onto <paramref name="path"/>.</summary>
    public static void Write(string path, Action<string> writeTo)
    {
        string fullPath = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(fullPath)!;
        string name = Path.GetFileName(fullPath);
        Directory.CreateDirectory(folder);
        string temporary = Path.Combine(folder, $".{name}.{Guid.NewGuid():N}.tmp");
        try
        {
            writeTo(temporary);
            using (var stream = new FileStream(temporary, FileMode.Open, FileAccess.ReadWrite))
            {
                if (WriteInterceptor.Current?.StopsMidway(name) == true)
                {
                    stream.SetLength(stream.Length / 2); // what a kill in the middle of writing leaves
                    stream.Flush(flushToDisk: true);
                    WriteInterceptor.Current.Midway(name);
                }
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, fullPath, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
        WriteInterceptor.Current?.Written(name);
    }

    /// <summary>Deletes the temporary files a killed writer left under <paramref name="folder"/> (and its subfolders).
    /// Only for folders no other process is writing to.</summary>
    public static int RemoveTemporaries(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return 0;
        }
        int removed = 0;
        foreach (string file in Directory.EnumerateFiles(folder, ".*.tmp", SearchOption.AllDirectories))
        {
            if (IsTemporary(Path.GetFileName(file)))
            {
                File.Delete(file);
                removed++;
            }
        }
        return removed;
    }

    /// <summary>Whether <paramref name="name"/> is one of the temporary files <see cref="Write"/> makes: .NAME.{32 hex}.tmp.</summary>
    public static bool IsTemporary(string name)
    {
        if (!name.StartsWith('.') || !name.EndsWith(".tmp", StringComparison.Ordinal))
        {
            return false;
        }
        int dot = name.LastIndexOf('.', name.Length - ".tmp".Length - 1);
        return dot > 0 && name.Length - ".tmp".Length - dot - 1 == 32;
    }
}
