using System.Globalization;
using System.Text.Json.Nodes;
using PeaKd.IO;

namespace PeaKd.Folders;

/// <summary>One file a manifest vouches for.</summary>
/// <param name="Bytes">Its length.</param>
/// <param name="Sha256">The SHA-256 of its content, upper-case hex.</param>
internal sealed record ManifestFile(long Bytes, string Sha256);

/// <summary>
/// What peakd-manifest.json says of a folder PeaKd wrote: its kind, the PeaKd version and options that made it, the
/// folder it was made from (by that folder's manifest seal, never by a path), the facts that tie its files together
/// (labels, layers, plan, vocabulary, length), and the size and SHA-256 of every model file in it. The file is sealed
/// (<see cref="JsonFile.WriteSealed"/>): an edit of the manifest itself is found as surely as an edit of a file it lists.
/// </summary>
internal sealed record FolderManifest(
    FolderKind Kind,
    string Version,
    string Written,
    JsonObject Options,
    string? Source,
    JsonObject Facts,
    IReadOnlyDictionary<string, ManifestFile> Files,
    string Seal)
{
    public const string FileName = "peakd-manifest.json";
    private const int Format = 1;

    /// <summary>The PeaKd version that writes manifests (the runtime assembly's informational version).</summary>
    public static string CurrentVersion { get; } =
        typeof(FolderManifest).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion.Split('+')[0]
        ?? typeof(FolderManifest).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>The manifest's JSON, without its seal.</summary>
    public JsonObject ToJson()
    {
        var files = new JsonObject();
        foreach ((string name, ManifestFile file) in Files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            files[name] = new JsonObject { ["bytes"] = file.Bytes, ["sha256"] = file.Sha256 };
        }
        return new JsonObject
        {
            ["format"] = Format,
            ["kind"] = FolderKinds.Name(Kind),
            ["peakd_version"] = Version,
            ["written"] = Written,
            ["options"] = Options.DeepClone(),
            ["source_manifest_sha256"] = Source,
            ["facts"] = Facts.DeepClone(),
            ["files"] = files,
        };
    }

    /// <summary>Reads and checks the seal of <paramref name="folder"/>'s manifest; null when it has none.</summary>
    public static FolderManifest? Read(string folder)
    {
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            return null;
        }
        JsonObject raw = JsonFile.ReadObject(path); // read once: the seal returned is the one checked
        JsonObject json = JsonFile.Unseal(raw, path, out _, required: true);
        string seal = JsonFile.GetString(raw, JsonFile.SealField, path)!;
        if (JsonFile.GetValue<int>(json, "format", path) is not Format)
        {
            throw new CorruptFileException(path, $"its format is not {Format}, the one this PeaKd ({CurrentVersion}) reads; it was written by another version, or damaged.", "field 'format'");
        }
        string kindName = JsonFile.GetString(json, "kind", path) ?? throw Missing("kind");
        FolderKind kind = FolderKinds.Parse(kindName)
            ?? throw new CorruptFileException(path, $"kind '{kindName}' is not one PeaKd writes ({string.Join(", ", Enum.GetValues<FolderKind>().Select(FolderKinds.Name))}).", "field 'kind'");
        var files = new Dictionary<string, ManifestFile>(StringComparer.Ordinal);
        foreach ((string name, JsonNode? node) in json["files"] as JsonObject ?? throw Missing("files"))
        {
            if (node is not JsonObject entry || name != Path.GetFileName(name) || name is "." or ".." || name == FileName)
            {
                throw new CorruptFileException(path, $"'{name}' is not a file of the folder with its size and hash.", $"field 'files.{name}'");
            }
            long bytes = JsonFile.GetValue<long>(entry, "bytes", path) ?? throw Missing($"files.{name}.bytes");
            string sha = JsonFile.GetString(entry, "sha256", path) ?? throw Missing($"files.{name}.sha256");
            files[name] = new ManifestFile(bytes, sha);
        }
        return new FolderManifest(kind,
            JsonFile.GetString(json, "peakd_version", path) ?? throw Missing("peakd_version"),
            JsonFile.GetString(json, "written", path) ?? throw Missing("written"),
            json["options"] as JsonObject ?? new JsonObject(),
            JsonFile.GetString(json, "source_manifest_sha256", path),
            json["facts"] as JsonObject ?? new JsonObject(),
            files,
            seal);

        CorruptFileException Missing(string field) => new(path, $"the manifest has no '{field}'; it is damaged.", $"field '{field}'");
    }

    /// <summary>Writes the manifest of <paramref name="folder"/>'s model files as they are now (every file in
    /// <see cref="ModelFiles.Names"/> that exists) and of <paramref name="moreFiles"/> (a run's own files), with the
    /// facts they agree on; returns it.</summary>
    public static FolderManifest Write(string folder, FolderKind kind, JsonObject? options, string? sourceFolder, IEnumerable<string>? moreFiles = null)
    {
        JsonObject facts = FolderFacts.Of(folder); // refuses files that disagree: nothing inconsistent gets a manifest
        var files = new Dictionary<string, ManifestFile>(StringComparer.Ordinal);
        foreach (string name in ModelFiles.Present(folder).Concat(moreFiles ?? []).Distinct(StringComparer.Ordinal))
        {
            string path = Path.Combine(folder, name);
            files[name] = new ManifestFile(new FileInfo(path).Length, FileHashes.Sha256(path));
        }
        string? source = sourceFolder is null ? null : SealOf(sourceFolder);
        var manifest = new FolderManifest(kind, CurrentVersion,
            DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture), options ?? new JsonObject(), source, facts, files, "");
        string manifestPath = Path.Combine(folder, FileName);
        JsonFile.WriteSealed(manifestPath, manifest.ToJson());
        return manifest with { Seal = JsonFile.GetString(JsonFile.ReadObject(manifestPath), JsonFile.SealField, manifestPath)! };
    }

    /// <summary>The seal of a folder's manifest (what another folder records as its source), or null for a folder without one.</summary>
    public static string? SealOf(string folder) => Read(folder)?.Seal;
}
