using System.Text.RegularExpressions;
using Xunit;

namespace PeaKd.Tests.Generators;

/// <summary>The catalog is declared in its students' namespace; the project's root namespace only when they share none.</summary>
public class CatalogNamespaceTests
{
    private static string Student(string? space, string name) =>
        space is null ? $"using PeaKd; [Student(1)] public partial class {name};"
            : $"using PeaKd; namespace {space} {{ [Student(1)] public partial class {name}; }}";

    /// <summary>Runs the generator; asserts a clean compilation and returns the namespace the catalog is declared in.</summary>
    private static string CatalogNamespaceOf(string? rootNamespace, params string[] sources)
    {
        var (result, errors) = GeneratorHarness.RunIn(rootNamespace, sources);
        Assert.Empty(result.Diagnostics);
        Assert.Empty(errors);
        string catalog = result.GeneratedSources.Single(s => s.HintName == "StudentCatalog.g.cs").SourceText.ToString();
        Match declared = Regex.Match(catalog, @"^namespace (\S+)$", RegexOptions.Multiline);
        return declared.Success ? declared.Groups[1].Value : "(global)";
    }

    [Fact]
    public void Students_of_one_namespace_get_the_catalog_there()
    {
        Assert.Equal("App.Students", CatalogNamespaceOf("App", Student("App.Students", "Small"), Student("App.Students", "Large")));
    }

    [Theory]
    [InlineData("App.Students.Small", "App.Students.Large", "App.Students")]
    [InlineData("App", "App.Students", "App")]
    [InlineData("App.Students", "App.StudentsExtra", "App")] // whole names only, not a common prefix of letters
    public void Students_of_nested_namespaces_get_it_in_the_longest_common_one(string first, string second, string expected)
    {
        Assert.Equal(expected, CatalogNamespaceOf("Elsewhere", Student(first, "One"), Student(second, "Two")));
    }

    [Theory]
    [InlineData("Alpha", "Beta", "MyApp", "MyApp")]
    [InlineData("Alpha", null, "MyApp", "MyApp")] // one student in the global namespace
    [InlineData("Alpha", "Beta", null, "StudentsUnderTest")] // no RootNamespace: the assembly name
    public void Students_without_a_common_namespace_get_it_in_the_root_namespace(string? first, string? second, string? rootNamespace, string expected)
    {
        Assert.Equal(expected, CatalogNamespaceOf(rootNamespace, Student(first, "One"), Student(second, "Two")));
    }

    [Fact]
    public void Students_in_the_global_namespace_get_it_there_so_top_level_statements_find_it()
    {
        string program = """
            using PeaKd;
            public static class Program
            {
                public static int Depth() => StudentCatalog.Get("One").Plan.EffectiveDepth;
            }
            [Student(1), Sps] public partial class One;
            """;
        Assert.Equal("(global)", CatalogNamespaceOf("MyApp", program, Student(null, "Two")));
    }

    [Fact]
    public void A_root_namespace_that_differs_by_case_does_not_move_the_catalog()
    {
        // The SDK's RootNamespace comes from the project file name; here it is spelled "Peakd", the code "PeaKd".
        string usage = """
            using PeaKd.Samples;
            namespace Consumer;
            public static class Usage
            {
                public static int Count() => StudentCatalog.All.Count;
            }
            """;
        Assert.Equal("PeaKd.Samples", CatalogNamespaceOf("Peakd.Samples", Student("PeaKd.Samples", "Tiny"), usage));
    }
}
