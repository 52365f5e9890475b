using System.Text.RegularExpressions;

namespace PeaKd.Tests.Readme;

/// <summary>The project's documentation as the tests read it: the README (the front door), the guides in docs/ and the
/// package's own readme. Paths are relative to the repository root, with '/' separators.</summary>
internal static class Docs
{
    /// <summary>Where the repository's files are published; links to it are checked against this checkout.</summary>
    public const string PublishedRoot = "https://github.com/peakd/peakd/blob/main/";

    /// <summary>The README, the front door.</summary>
    public const string Readme = "README.md";

    /// <summary>The package's readme (PackageReadmeFile).</summary>
    public const string PackageReadme = "PeaKd.Runtime/PACKAGE.md";

    /// <summary>The DSL guide, where the diagnostics' help links point.</summary>
    public const string DslGuide = "docs/dsl.md";

    /// <summary>Design notes in docs/ that are not guides: their sketches are not held to compile.</summary>
    private static readonly string[] Notes = ["docs/DESIGN.md", "docs/PEA-KD.md"];

    public static string RepositoryRoot() => Infrastructure.TestFiles.Repository();

    public static string FullPath(string relative) => Path.Combine(RepositoryRoot(), relative);

    public static string Read(string relative) => File.ReadAllText(FullPath(relative));

    /// <summary>Every markdown file of the documentation: the README, docs/*.md and the package's readme.</summary>
    public static IReadOnlyList<string> All() =>
        [Readme, .. Directory.GetFiles(FullPath("docs"), "*.md").Select(f => "docs/" + Path.GetFileName(f)).Order(StringComparer.Ordinal), PackageReadme];

    /// <summary>The files whose code is held true: the README, the guides in docs/ and the package's readme.</summary>
    public static IReadOnlyList<string> Guides() => All().Where(f => !Notes.Contains(f)).ToList();

    /// <summary>The lines of <paramref name="markdown"/> outside fenced code blocks, with their 1-based numbers.</summary>
    public static IEnumerable<(int Line, string Text)> ProseLines(string markdown)
    {
        bool fenced = false;
        string[] lines = markdown.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith("```", StringComparison.Ordinal))
            {
                fenced = !fenced;
                continue;
            }
            if (!fenced)
            {
                yield return (i + 1, lines[i]);
            }
        }
    }

    /// <summary>The anchors a file offers as GitHub renders it: each heading's slug (lower case, punctuation dropped,
    /// spaces as hyphens, -1, -2, ... for repeats) and each explicit &lt;a id&gt;.</summary>
    public static ISet<string> Anchors(string relative)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        foreach ((_, string text) in ProseLines(Read(relative)))
        {
            Match heading = Regex.Match(text, @"^#{1,6} (?<title>.+)$");
            if (heading.Success)
            {
                string title = Regex.Replace(heading.Groups["title"].Value, @"\[(?<text>[^\]]*)\]\([^)]*\)", "${text}");
                string slug = Regex.Replace(title.Trim().ToLowerInvariant(), @"[^\p{L}\p{N} _-]", "").Replace(' ', '-');
                string unique = slug;
                for (int n = 1; !anchors.Add(unique); n++)
                {
                    unique = $"{slug}-{n}";
                }
            }
            foreach (Match id in Regex.Matches(text, @"<a (?:id|name)=""(?<id>[^""]+)"""))
            {
                anchors.Add(id.Groups["id"].Value);
            }
        }
        return anchors;
    }
}
