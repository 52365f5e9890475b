using System.Runtime.CompilerServices;
using PeaKd.Students;
using PeaKd.Tests.Generators;
using Xunit;

namespace PeaKd.Tests.Api;

/// <summary>
/// The runtime's public surface is a reviewed decision: every public type and member is listed in
/// PublicSurface.verified.txt, and a new, changed or removed one fails until the baseline is accepted (the generator
/// baselines' verified/received workflow).
/// </summary>
public class PublicSurfaceTests
{
    private static string Baseline(string suffix, [CallerFilePath] string callerFile = "") =>
        Path.Combine(Path.GetDirectoryName(callerFile)!, $"PublicSurface.{suffix}.txt");

    [Fact]
    public void The_runtime_public_surface_matches_its_reviewed_baseline()
    {
        string verified = Baseline("verified");
        string received = Baseline("received");
        File.Delete(received);
        IReadOnlyList<string> actual = PublicSurface.Lines(typeof(StudentModel).Assembly);
        string actualText = string.Join("\n", actual) + "\n";
        string[] expected = File.Exists(verified) ? File.ReadAllText(verified).Replace("\r\n", "\n").Split('\n', StringSplitOptions.RemoveEmptyEntries) : [];
        if (expected.SequenceEqual(actual))
        {
            return;
        }
        if (Baselines.Accepting)
        {
            File.WriteAllText(verified, actualText);
            return;
        }
        File.WriteAllText(received, actualText);
        var added = actual.Except(expected).ToList();
        var removed = expected.Except(actual).ToList();
        static string Some(IEnumerable<string> lines) => string.Join("\n", lines.Take(40).Select(l => "    " + l.Trim()));
        Assert.Fail(
            $"The public surface of PeaKd.Runtime differs from {verified}: {added.Count} line(s) added, {removed.Count} removed" +
            (added.Count + removed.Count == 0 ? " (the same lines in another order)" : "") + ".\n" +
            (added.Count > 0 ? $"  added:\n{Some(added)}\n" : "") +
            (removed.Count > 0 ? $"  removed:\n{Some(removed)}\n" : "") +
            $"A public type or member is what library users call; make plumbing internal. If the change is intended, compare {received} " +
            "with the baseline and accept it: PEAKD_ACCEPT_BASELINES=1 dotnet test PeaKd.sln -c Release --filter PublicSurfaceTests");
    }

    [Fact]
    public void The_listing_names_types_as_CSharp_writes_them()
    {
        // oracle: the declarations as written in the runtime's sources
        var lines = PublicSurface.Lines(typeof(StudentModel).Assembly);
        Assert.Contains("sealed record PeaKd.Students.StudentDescriptor", lines);
        Assert.Contains("    PeaKd.Students.StudentPlan: IReadOnlyList<int>? PatientTeacherLayers { get; }", lines);
        Assert.Contains("    PeaKd.Students.StudentModel: protected BertLayer OwnedLayer(int index)", lines);
        Assert.Contains("enum PeaKd.Shuffle : int", lines);
        Assert.Contains("    PeaKd.Shuffle: QueryKey = 1", lines);
        Assert.DoesNotContain(lines, l => l.Contains('`') || l.Contains("System.", StringComparison.Ordinal));
    }
}
