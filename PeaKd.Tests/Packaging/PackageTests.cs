using System.Runtime.CompilerServices;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Packaging;

/// <summary>
/// A project outside the solution that references the packed PeaKd.Runtime gets the student generator
/// (from the package's analyzers folder): a good student builds, a bad one fails with its PEAKD error.
/// </summary>
public class PackageTests
{
    private const string Version = "0.0.0-packagetest";

    private static string RepositoryRoot([CallerFilePath] string callerFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(callerFile)!, "..", ".."));

    [Fact]
    public void A_project_referencing_the_packed_runtime_gets_the_generator()
    {
        using var folder = TestFiles.TempFolder();
        string feed = Path.Combine(folder.Path, "feed");
        string consumer = Path.Combine(folder.Path, "consumer");
        Directory.CreateDirectory(consumer);
        TimeSpan limit = TimeSpan.FromMinutes(5);

        var pack = DotnetCli.Run(RepositoryRoot(), limit, "pack", "PeaKd.Runtime/PeaKd.Runtime.csproj", "-c", "Release", "-o", feed, $"-p:Version={Version}");
        Assert.True(pack.ExitCode == 0, pack.Output);

        // A stale copy of this test version in the global packages folder would hide the new package.
        string cached = Path.Combine(TestFiles.NuGetPackageRoot, "peakd.runtime", Version);
        if (Directory.Exists(cached))
        {
            Directory.Delete(cached, recursive: true);
        }

        File.WriteAllText(Path.Combine(consumer, "nuget.config"), $"""
            <configuration>
              <packageSources>
                <add key="peakd-test-feed" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(consumer, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <GenerateDocumentationFile>true</GenerateDocumentationFile>
                <NoWarn>CS1591</NoWarn>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="PeaKd.Runtime" Version="{Version}" />
              </ItemGroup>
            </Project>
            """);
        string students = Path.Combine(consumer, "Students.cs");
        File.WriteAllText(students, """
            using PeaKd;
            namespace Consumer;

            /// <summary>A user's own student.</summary>
            [Student(2), Sps(Shuffle = Shuffle.QueryKey)]
            [PatientMap(2, 5, 8)]
            public partial class MyPeaBert2;

            public static class Usage
            {
                public static int Depth() => MyPeaBert2.DeclaredPlan.EffectiveDepth + Consumer.StudentCatalog.All.Count;
            }
            """);

        var good = DotnetCli.Run(consumer, limit, "build", "-c", "Release");
        Assert.True(good.ExitCode == 0, good.Output);

        File.AppendAllText(students, "\n[Student(2), SharedLayer(2, From = 7)] public partial class Broken;\n");
        var bad = DotnetCli.Run(consumer, limit, "build", "-c", "Release");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("error PEAKD004: [SharedLayer(2)] From = 7 is not an owned layer: the owned layers are 0..1", bad.Output);
    }
}
