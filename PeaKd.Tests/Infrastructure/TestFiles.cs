using System.Reflection;

namespace PeaKd.Tests.Infrastructure;

/// <summary>Paths of committed fixtures and throw-away folders for tests.</summary>
internal static class TestFiles
{
    /// <summary>A path in the checkout the tests were built from (this file is in PeaKd.Tests/Infrastructure), so a
    /// test reads committed files (the docs, the runtime's sources, the research records) as they are.</summary>
    public static string Repository(params string[] parts) => Path.GetFullPath(Path.Combine([RepositoryRoot(), .. parts]));

    private static string RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string thisFile = "") =>
        Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..");

    public static string Fixture(params string[] parts) =>
        Path.Combine([AppContext.BaseDirectory, "Fixtures", .. parts]);

    public static string NuGetPackageRoot =>
        typeof(TestFiles).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "NuGetPackageRoot").Value!;

    /// <summary>A new empty folder under the system temp folder, deleted when disposed.</summary>
    public static TempFolder TempFolder() => new();
}

internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "peakd-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a leftover temp folder does not fail a test
        }
    }
}
