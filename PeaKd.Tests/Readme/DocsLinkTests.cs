using System.Text.RegularExpressions;
using Xunit;

namespace PeaKd.Tests.Readme;

/// <summary>The documentation holds together: every link from the README, the guides and the package readme to a file of
/// this repository (relative, or absolute under the published root) names a file that exists and, with a #fragment,
/// an anchor that file has; the README stays a front door that links every guide.</summary>
public class DocsLinkTests
{
    private static readonly Regex Link = new(@"\]\((?<target>[^)\s]+)\)");

    public static TheoryData<string> Files() => [.. Docs.All()];

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_link_to_the_repository_resolves(string file)
    {
        var broken = new List<string>();
        foreach ((int line, string text) in Docs.ProseLines(Docs.Read(file)))
        {
            foreach (Match link in Link.Matches(text))
            {
                string target = link.Groups["target"].Value;
                string? problem = Check(file, target);
                if (problem is not null)
                {
                    broken.Add($"{file}:{line}: {target}: {problem}");
                }
            }
        }
        Assert.True(broken.Count == 0, string.Join("\n", broken));
    }

    [Fact]
    public void The_README_is_a_front_door_that_links_every_guide()
    {
        string readme = Docs.Read(Docs.Readme);
        int lines = readme.Count(c => c == '\n');
        Assert.True(lines <= 300, $"the README has {lines} lines; move detail into a guide in docs/");
        foreach (string guide in Docs.Guides().Where(f => f.StartsWith("docs/", StringComparison.Ordinal)))
        {
            Assert.Contains($"]({guide})", readme);
        }
        // CI runs the README's test command (.ci/run), and the inner loop's filter is documented beside it
        Assert.Contains("```bash\ndotnet test PeaKd.sln -c Release\n```", readme);
        Assert.Contains("dotnet test PeaKd.sln -c Release --filter \"Speed!=Slow\"", readme);
    }

    /// <summary>Why <paramref name="target"/>, linked from <paramref name="from"/>, does not resolve; null when it does.</summary>
    private static string? Check(string from, string target)
    {
        string path, fragment;
        int hash = target.IndexOf('#', StringComparison.Ordinal);
        (path, fragment) = hash < 0 ? (target, "") : (target[..hash], target[(hash + 1)..]);
        string relative;
        if (path.StartsWith(Docs.PublishedRoot, StringComparison.Ordinal))
        {
            relative = path[Docs.PublishedRoot.Length..];
        }
        else if (path.Contains("://", StringComparison.Ordinal) || path.StartsWith("mailto:", StringComparison.Ordinal))
        {
            return null; // outside this repository
        }
        else if (path.Length == 0)
        {
            relative = from;
        }
        else
        {
            string full = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Docs.FullPath(from))!, path));
            relative = Path.GetRelativePath(Docs.RepositoryRoot(), full).Replace('\\', '/');
            if (relative.StartsWith("..", StringComparison.Ordinal))
            {
                return "outside the repository";
            }
        }
        string resolved = Docs.FullPath(relative);
        if (!File.Exists(resolved) && !Directory.Exists(resolved))
        {
            return $"no such file ({relative})";
        }
        if (fragment.Length > 0 && relative.EndsWith(".md", StringComparison.Ordinal) && !Docs.Anchors(relative).Contains(fragment))
        {
            return $"{relative} has no anchor #{fragment}";
        }
        return null;
    }
}
