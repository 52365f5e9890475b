using Microsoft.CodeAnalysis;
using Xunit;

namespace PeaKd.Tests.Generators;

/// <summary>The generated source, compared with checked-in baselines, and compiled.</summary>
public class GeneratedSourceTests
{
    private static string RepositoryFile(string relative) => Infrastructure.TestFiles.Repository(relative);

    private static void VerifyCase(string caseName, string? rootNamespace, params string[] sources)
    {
        var (result, errors) = GeneratorHarness.RunIn(rootNamespace, sources);
        Assert.Empty(result.Diagnostics);
        Assert.Empty(errors);
        Baselines.Verify(Baselines.Folder(caseName),
            result.GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString()));
    }

    [Fact]
    public void The_sample_students_match_their_baselines_and_compile()
    {
        string[] files = Directory.GetFiles(RepositoryFile("PeaKd.Samples/Students"), "*.cs").Order().ToArray();
        Assert.NotEmpty(files);
        VerifyCase("Samples", "PeaKd.Samples", files.Select(File.ReadAllText).ToArray());
    }

    [Fact]
    public void A_custom_student_matches_its_baseline_and_compiles()
    {
        VerifyCase("Custom", null, """
            using PeaKd;

            public static partial class Zoo
            {
                internal partial class Inner
                {
                    /// <summary>Pinned MiniLM sizes; a mix of plain and shuffled reuse, in any attribute order.</summary>
                    [Student(2, Hidden = 384, Heads = 12, Intermediate = 1536)]
                    [SharedLayer(3, From = 0)]
                    [SharedLayer(2, From = 1, Shuffle = Shuffle.QueryKey)]
                    [PatientMap(2, 6, At = new[] { 0, 2 })]
                    public sealed partial class Mixed;
                }
            }
            """);
    }

    [Fact]
    public void An_instance_plan_is_reachable_from_user_code()
    {
        // The generated static is DeclaredPlan, so it does not hide StudentModel.Plan (which would be CS0176 here).
        var (result, errors) = GeneratorHarness.Run("""
            using PeaKd;
            using PeaKd.Modeling;
            using PeaKd.Students;
            namespace Tests;

            [Student(2), Sps] public partial class S;

            public static class Usage
            {
                public static bool Same(BertConfig config) => ReferenceEquals(new S(config, 2).Plan, S.DeclaredPlan);
                public static StudentPlan Of(StudentModel student) => student.Plan;
            }
            """);
        Assert.Empty(result.Diagnostics);
        Assert.Empty(errors);
    }
}
