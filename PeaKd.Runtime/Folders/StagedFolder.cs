using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using PeaKd.IO;

namespace PeaKd.Folders;

/// <summary>
/// Writes a folder whole: the writer fills a staging folder beside the target (<c>.NAME.staging-GUID</c>), and
/// <see cref="Publish"/> seals it with its manifest and swaps it into place in one atomic exchange of the two names.
/// A kill at any point leaves the old folder as it was, or the new one complete; the staging folder a killed writer
/// left is removed by the next writer of the target. The writer holds the target's <see cref="FolderLock"/> throughout.
/// </summary>
internal sealed class StagedFolder : IDisposable
{
    private readonly FolderLock _lock;
    private readonly FolderKind _kind;
    private readonly bool _overwrite;
    private readonly string _given, _property, _overwriteProperty; // the target as the caller wrote it, and the API's names, for messages
    private bool _published;

    private StagedFolder(string target, string staging, FolderKind kind, FolderLock folderLock, string given, bool overwrite, string property, string overwriteProperty)
    {
        Target = target;
        Path = staging;
        _kind = kind;
        _lock = folderLock;
        _given = given;
        _overwrite = overwrite;
        _property = property;
        _overwriteProperty = overwriteProperty;
    }

    /// <summary>The folder to publish, symbolic links resolved.</summary>
    public string Target { get; }

    /// <summary>Where the writer writes its files.</summary>
    public string Path { get; }

    /// <summary>Takes <paramref name="target"/> for a <paramref name="kind"/> folder: it must be new, empty, or a
    /// <paramref name="kind"/> folder PeaKd wrote that the caller asks to replace (<paramref name="overwrite"/>).
    /// <paramref name="property"/> names the target in the caller's API, and <paramref name="overwriteProperty"/> the
    /// switch that allows replacing, for the messages.</summary>
    public static StagedFolder Begin(string target, FolderKind kind, bool overwrite, string property, string overwriteProperty)
    {
        string real = FolderPaths.Real(target);
        if (File.Exists(real))
        {
            throw new ArgumentException($"{property} is '{target}', which is a file; give a folder.");
        }
        FolderLock folderLock = FolderLock.Take(real, FolderKinds.Name(kind));
        try
        {
            RecoverInterrupted(real);
            CheckReplaceable(real, target, kind, overwrite, property, overwriteProperty);
            string staging = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(real)!, $".{System.IO.Path.GetFileName(real)}.staging-{Guid.NewGuid():N}");
            Directory.CreateDirectory(staging);
            return new StagedFolder(real, staging, kind, folderLock, target, overwrite, property, overwriteProperty);
        }
        catch
        {
            folderLock.Dispose();
            throw;
        }
    }

    /// <summary>Writes the manifest of the staged files and puts them in place of the target.</summary>
    /// <param name="options">What made the folder, for its manifest.</param>
    /// <param name="sourceFolder">The folder it was made from (its manifest's seal is recorded), or null.</param>
    public FolderManifest Publish(JsonObject? options, string? sourceFolder)
    {
        FolderManifest manifest = FolderManifest.Write(Path, _kind, options, sourceFolder);
        // again, just before the swap: something that takes no lock (a copy, an older PeaKd) may have put a folder there
        CheckReplaceable(Target, _given, _kind, _overwrite, _property, _overwriteProperty);
        if (Directory.Exists(Target) && !Directory.EnumerateFileSystemEntries(Target).Any())
        {
            Directory.Delete(Target);
        }
        if (!Directory.Exists(Target))
        {
            Directory.Move(Path, Target);
        }
        else
        {
            Exchange(Path, Target);
            Directory.Delete(Path, recursive: true); // the old folder, now under the staging name
        }
        _published = true;
        return manifest;
    }

    public void Dispose()
    {
        try
        {
            if (!_published && Directory.Exists(Path))
            {
                Directory.Delete(Path, recursive: true); // a writer that failed leaves the target as it was and nothing beside it
            }
        }
        finally
        {
            _lock.Dispose();
        }
    }

    /// <summary>A folder that is neither new nor empty is replaced only when it is a <paramref name="kind"/> folder
    /// PeaKd wrote and the caller asked for that.</summary>
    private static void CheckReplaceable(string real, string target, FolderKind kind, bool overwrite, string property, string overwriteProperty)
    {
        if (!Directory.Exists(real) || !Directory.EnumerateFileSystemEntries(real).Any())
        {
            return;
        }
        string wanted = FolderKinds.Name(kind);
        FolderManifest? manifest;
        try
        {
            manifest = FolderManifest.Read(real);
        }
        catch (CorruptFileException e)
        {
            throw new ArgumentException($"{property} is '{target}', which holds a damaged {FolderManifest.FileName} ({e.Message}); PeaKd replaces only folders it wrote. Remove the folder yourself, or write to another one.", e);
        }
        string what = manifest is not null ? $"a {FolderKinds.Name(manifest.Kind)} folder"
            : File.Exists(System.IO.Path.Combine(real, "options.json")) ? "a run folder"
            : "files PeaKd did not write (it has no " + FolderManifest.FileName + ")";
        if (manifest is null || manifest.Kind != kind)
        {
            throw new ArgumentException($"{property} is '{target}', which holds {what}; PeaKd writes a {wanted} folder only into a new or empty folder, or over another {wanted} folder. Write to another folder.");
        }
        if (!overwrite)
        {
            throw new ArgumentException($"{property} is '{target}', which already holds a {wanted} folder; set {overwriteProperty} to replace it, or write to another folder.");
        }
    }

    /// <summary>Removes what a killed writer left beside <paramref name="real"/>: staging folders, never published; and
    /// puts back an old folder a writer without an atomic exchange had moved aside but not yet replaced.</summary>
    private static void RecoverInterrupted(string real)
    {
        string parent = System.IO.Path.GetDirectoryName(real)!, name = System.IO.Path.GetFileName(real);
        if (!Directory.Exists(parent))
        {
            return;
        }
        // exactly ".NAME.staging-" and the 32 hex digits of a Guid, not a pattern: a name holding * or ?, or another
        // target's name that starts like this one's staging folder ("m.staging-x"), must not reach that target's folders
        string[] Beside(string what) => Directory.EnumerateDirectories(parent).Where(d => System.IO.Path.GetFileName(d) is string entry
            && entry.Length == name.Length + what.Length + 3 + 32 && entry.StartsWith($".{name}.{what}-", StringComparison.Ordinal)
            && entry[^32..].All(char.IsAsciiHexDigitLower)).ToArray();
        foreach (string staging in Beside("staging"))
        {
            Directory.Delete(staging, recursive: true);
        }
        foreach (string old in Beside("old"))
        {
            if (!Directory.Exists(real))
            {
                Directory.Move(old, real);
            }
            else
            {
                Directory.Delete(old, recursive: true);
            }
        }
    }

    /// <summary>Swaps two folders' names in one step (Linux's renameat2 with RENAME_EXCHANGE). Where that is not
    /// available, the target is moved aside first: a kill between the two moves leaves it under <c>.NAME.old-GUID</c>,
    /// which the next writer puts back.</summary>
    private static void Exchange(string staging, string target)
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                if (renameat2(AtFdCwd, staging, AtFdCwd, target, RenameExchange) == 0)
                {
                    return;
                }
            }
            catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
            {
                // a C library without renameat2 (an older musl): the fallback below
            }
        }
        string aside = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(target)!, $".{System.IO.Path.GetFileName(target)}.old-{Guid.NewGuid():N}");
        Directory.Move(target, aside);
        Directory.Move(staging, target);
        Directory.Move(aside, staging); // so the caller's cleanup removes it
    }

    private const int AtFdCwd = -100;
    private const uint RenameExchange = 2;

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
#pragma warning disable CA2101, SYSLIB1054 // paths are passed as UTF-8 by the default marshalling on Unix
    private static extern int renameat2(int oldDirectory, string oldPath, int newDirectory, string newPath, uint flags);
#pragma warning restore CA2101, SYSLIB1054
}
