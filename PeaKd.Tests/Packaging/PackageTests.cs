using System.Text.RegularExpressions;
using System.Xml.Linq;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Packaging;

/// <summary>
/// The packed PeaKd.Runtime as a consumer meets it: the student generator from the package's analyzers folder, a
/// complete set of package metadata and its own short readme, no libtorch backend and no console UI among its
/// dependencies, a version of its own for every pack, and the README's "Use from C#" program, which builds against the
/// package and runs on tiny data.
/// </summary>
[Trait(Speed.Trait, Speed.Slow)] // real processes, packing or a gigabyte read: not in the inner loop
public class PackageTests(PackedRuntime packed, Xunit.Abstractions.ITestOutputHelper log) : IClassFixture<PackedRuntime>
{
    [Fact]
    public void A_project_referencing_the_packed_runtime_gets_the_generator()
    {
        string consumer = packed.NewConsumer("consumer");
        File.WriteAllText(Path.Combine(consumer, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <GenerateDocumentationFile>true</GenerateDocumentationFile>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="PeaKd.Runtime" Version="{PackedRuntime.Version}" />
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

            /// <summary>Uses the generated members.</summary>
            public static class Usage
            {
                /// <summary>The declared depth, an instance's plan and the catalog, all reachable.</summary>
                public static int Depth(PeaKd.Modeling.BertConfig config) =>
                    MyPeaBert2.DeclaredPlan.EffectiveDepth + new MyPeaBert2(config, 2).Plan.OwnedLayers + StudentCatalog.Get("MyPeaBert2").Plan.EffectiveDepth;
            }
            """);

        // warnings are errors and documentation is on: the generated code must be fully documented
        var good = DotnetCli.Run(consumer, PackedRuntime.Limit, "build", "-c", "Release");
        Assert.True(good.ExitCode == 0, good.Output);

        File.AppendAllText(students, "\n[Student(2), SharedLayer(2, From = 7)] public partial class Broken;\n");
        var bad = DotnetCli.Run(consumer, PackedRuntime.Limit, "build", "-c", "Release");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("error PEAKD004: [SharedLayer(2)] From = 7 is not an owned layer: the owned layers are 0..1", bad.Output);
    }

    [Fact]
    public void The_package_says_what_it_is_and_leaves_the_backend_to_the_application()
    {
        XDocument nuspec = packed.Nuspec();
        XNamespace ns = nuspec.Root!.Name.Namespace;
        XElement metadata = nuspec.Root.Element(ns + "metadata")!;
        string Value(string name) => metadata.Element(ns + name)?.Value ?? "";

        Assert.Equal("PeaKd.Runtime", Value("id"));
        Assert.Equal("The PeaKd authors", Value("authors"));
        Assert.Equal("MIT", Value("license"));
        Assert.Equal("expression", metadata.Element(ns + "license")!.Attribute("type")!.Value);
        Assert.Equal("PACKAGE.md", Value("readme"));
        Assert.Contains("Pea-KD", Value("description"));
        Assert.Contains("distillation", Value("tags").Split(' '));
        string repository = metadata.Element(ns + "repository")!.Attribute("url")!.Value;
        Assert.Equal("https://github.com/peakd/peakd", repository);
        string helpLinks = (string)typeof(PeaKd.Generators.StudentGenerator).Assembly
            .GetType("PeaKd.Generators.Diagnostics.DiagnosticDescriptors", throwOnError: true)!.GetField("HelpLinkBase")!.GetValue(null)!;
        Assert.StartsWith(repository + "/", helpLinks); // the diagnostics link into the same home

        string[] dependencies = metadata.Descendants(ns + "dependency").Select(d => d.Attribute("id")!.Value).ToArray();
        Assert.Contains("TorchSharp", dependencies);
        Assert.DoesNotContain(dependencies, d => d.StartsWith("libtorch", StringComparison.OrdinalIgnoreCase) || d.StartsWith("TorchSharp-", StringComparison.Ordinal));
        Assert.DoesNotContain("Spectre.Console", dependencies);

        IReadOnlyList<string> files = packed.Files();
        Assert.Contains("PACKAGE.md", files);
        Assert.DoesNotContain("README.md", files); // the repository's front door is not the package's readme
        Assert.Contains("LICENSE", files);
        Assert.Contains("analyzers/dotnet/cs/PeaKd.Generators.dll", files);
        Assert.Contains("buildTransitive/PeaKd.Runtime.targets", files);
        Assert.Contains("lib/net10.0/PeaKd.Runtime.xml", files); // the XML docs, for IntelliSense

        // its own short readme, the repository's PeaKd.Runtime/PACKAGE.md, whose links work where nuget.org shows it
        string readme = packed.Text("PACKAGE.md");
        Assert.Equal(File.ReadAllText(Path.Combine(PackedRuntime.RepositoryRoot(), "PeaKd.Runtime", "PACKAGE.md")), readme);
        Assert.True(readme.Count(c => c == '\n') <= 80, "the package readme is short");
        Assert.All(Regex.Matches(readme, @"\]\((?<target>[^)\s]+)\)").Select(m => m.Groups["target"].Value),
            target => Assert.StartsWith(repository + "/blob/main/", target));
        Assert.Contains("Include=\"PeaKd.Runtime\" Version=\"0.1.0-*\"", readme);
    }

    [Fact]
    public void Every_pack_gets_a_version_of_its_own_that_the_documented_floating_version_takes()
    {
        (string Version, string Prefix) Evaluate(params string[] properties)
        {
            var run = DotnetCli.Run(PackedRuntime.RepositoryRoot(), PackedRuntime.Limit,
                ["msbuild", "PeaKd.Runtime/PeaKd.Runtime.csproj", "-getProperty:Version", "-getProperty:VersionPrefix", .. properties]);
            Assert.True(run.ExitCode == 0, run.Output);
            using var json = System.Text.Json.JsonDocument.Parse(run.Output[run.Output.IndexOf('{', StringComparison.Ordinal)..]);
            var values = json.RootElement.GetProperty("Properties");
            return (values.GetProperty("Version").GetString()!, values.GetProperty("VersionPrefix").GetString()!);
        }

        // dotnet pack (which sets _IsPacking): the prefix and the UTC time of the pack, so a stale copy in the NuGet cache
        // is never taken for a newer pack
        DateTime before = DateTime.UtcNow.AddSeconds(-1);
        var (packing, prefix) = Evaluate("-p:_IsPacking=true");
        Match stamp = Regex.Match(packing, $@"^{Regex.Escape(prefix)}-local\.(?<time>\d{{8}}T\d{{6}})$");
        Assert.True(stamp.Success, packing);
        DateTime packed = DateTime.ParseExact(stamp.Groups["time"].Value, "yyyyMMdd'T'HHmmss", System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(packed, before.AddTicks(-(before.Ticks % TimeSpan.TicksPerSecond)), DateTime.UtcNow);
        // a build is the plain prefix (builds stay incremental); a version given wins, as PackedRuntime gives one
        Assert.Equal(prefix, Evaluate().Version);
        Assert.Equal(PackedRuntime.Version, Evaluate("-p:_IsPacking=true", $"-p:Version={PackedRuntime.Version}").Version);
        Assert.Equal(prefix + "-rc.1", Evaluate("-p:_IsPacking=true", "-p:VersionSuffix=rc.1").Version);

        // the README and the package readme reference the floating version that takes every pack of this prefix
        foreach (string doc in new[] { "README.md", "PeaKd.Runtime/PACKAGE.md" })
        {
            Assert.Contains($"Include=\"PeaKd.Runtime\" Version=\"{prefix}-*\"", File.ReadAllText(Path.Combine(PackedRuntime.RepositoryRoot(), doc)));
        }
    }

    [Fact]
    public void The_README_program_builds_against_the_package_and_runs_on_tiny_data()
    {
        string readme = File.ReadAllText(Path.Combine(PackedRuntime.RepositoryRoot(), "README.md"));
        string section = readme[readme.IndexOf("\n## Use from C#\n", StringComparison.Ordinal)..];
        string items = Regex.Matches(section, "```xml\n(.*?)```", RegexOptions.Singleline).Select(m => m.Groups[1].Value)
            .First(block => block.Contains("Include=\"PeaKd.Runtime\"", StringComparison.Ordinal));
        string program = Regex.Match(section, "<!-- ReadmeProgramTests compiles and runs the next code block -->\n```csharp\n(.*?)```", RegexOptions.Singleline).Groups[1].Value;
        Assert.Contains("PeaKdPipeline.Run", program);
        Assert.Contains("PeaKd.Runtime", items);

        string consumer = packed.NewConsumer("readme-program");
        File.WriteAllText(Path.Combine(consumer, "ReadmeProgram.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
            {Regex.Replace(items, "Include=\"PeaKd.Runtime\" Version=\"[^\"]+\"", $"Include=\"PeaKd.Runtime\" Version=\"{PackedRuntime.Version}\"")}
            </Project>
            """);
        File.WriteAllText(Path.Combine(consumer, "Program.cs"), program);
        ReviewData.Write(Path.Combine(consumer, "data", "fine-foods"));

        var run = DotnetCli.Run(consumer, PackedRuntime.Limit, "run", "-c", "Release");
        log.WriteLine(run.Output);
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Matches(@"(?m)^test accuracy: teacher [01]\.\d{3}, student [01]\.\d{3} with 15,615,360 parameters at depth 4$", run.Output);
        Assert.Matches(@"(?m)^(great|other) \(\d+\s?%\)$", run.Output);
        Assert.True(File.Exists(Path.Combine(consumer, "runs", "my-peabert2", "student", "student.json")));
    }
}

/// <summary>A few dozen short food reviews in the Fine Foods layout (text, label great|other), for runs that only need to work.</summary>
internal static class ReviewData
{
    private static readonly string[] Good = ["delicious and fresh", "the best tea I ever had", "my kids love these snacks", "great taste, will buy again", "smooth rich coffee"];
    private static readonly string[] Bad = ["stale and bland", "arrived broken and tasted awful", "too sweet, not worth the price", "the worst coffee", "smelled odd, threw it away"];

    public static void Write(string folder)
    {
        Directory.CreateDirectory(folder);
        var random = new Random(3);
        void Split(string name, int rows) => File.WriteAllLines(Path.Combine(folder, name), ["text\tlabel", .. Enumerable.Range(0, rows).Select(i =>
        {
            bool good = i % 2 == 0;
            string[] phrases = good ? Good : Bad;
            return $"{phrases[random.Next(phrases.Length)]}, {phrases[random.Next(phrases.Length)]}.\t{(good ? "great" : "other")}";
        })]);
        Split("train.tsv", 48);
        Split("dev.tsv", 16);
        Split("test.tsv", 16);
    }
}
