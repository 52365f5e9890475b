using System.IO.Compression;
using System.Xml.Linq;
using PeaKd.Tests.Infrastructure;

namespace PeaKd.Tests.Packaging;

/// <summary>PeaKd.Runtime packed once into a local feed, and consumer projects outside the repository that
/// reference it as an application would: through NuGet, with none of this repository's build files.</summary>
public sealed class PackedRuntime : IDisposable
{
    public const string Version = "0.0.0-packagetest";

    public static readonly TimeSpan Limit = TimeSpan.FromMinutes(8);

    public PackedRuntime()
    {
        var pack = DotnetCli.Run(RepositoryRoot(), Limit, "pack", "PeaKd.Runtime/PeaKd.Runtime.csproj", "-c", "Release", "-o", Feed, $"-p:Version={Version}");
        if (pack.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet pack failed:\n{pack.Output}");
        }
        // A stale copy of this test version in the global packages folder would hide the new package.
        string cached = Path.Combine(TestFiles.NuGetPackageRoot, "peakd.runtime", Version);
        if (Directory.Exists(cached))
        {
            Directory.Delete(cached, recursive: true);
        }
    }

    internal TempFolder Folder { get; } = TestFiles.TempFolder();

    public string Feed => Folder.File("feed");

    public string Package => Path.Combine(Feed, $"PeaKd.Runtime.{Version}.nupkg");

    public static string RepositoryRoot() => Infrastructure.TestFiles.Repository();

    /// <summary>The package's .nuspec.</summary>
    public XDocument Nuspec()
    {
        using ZipArchive zip = ZipFile.OpenRead(Package);
        using Stream stream = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        return XDocument.Load(stream);
    }

    /// <summary>The text of one file in the package.</summary>
    public string Text(string path)
    {
        using ZipArchive zip = ZipFile.OpenRead(Package);
        using var reader = new StreamReader(zip.GetEntry(path)!.Open());
        return reader.ReadToEnd();
    }

    public IReadOnlyList<string> Files()
    {
        using ZipArchive zip = ZipFile.OpenRead(Package);
        return zip.Entries.Select(e => e.FullName).ToList();
    }

    /// <summary>A new consumer folder with a nuget.config that adds the feed (nuget.org stays a source).</summary>
    public string NewConsumer(string name)
    {
        string folder = Folder.File(name);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "nuget.config"), $"""
            <configuration>
              <packageSources>
                <add key="peakd-test-feed" value="{Feed}" />
              </packageSources>
            </configuration>
            """);
        return folder;
    }

    public void Dispose() => Folder.Dispose();
}
