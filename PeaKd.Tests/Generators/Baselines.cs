using System.Runtime.CompilerServices;
using Xunit;

namespace PeaKd.Tests.Generators;

/// <summary>
/// Checked-in baselines in Verify's verified/received workflow: generated files are compared with
/// Baselines/{case}/{hint}.verified.txt; a difference writes {hint}.received.txt beside it and fails.
/// Set PEAKD_ACCEPT_BASELINES=1 to accept: verified files are rewritten and stale ones deleted.
/// </summary>
internal static class Baselines
{
    public static bool Accepting => Environment.GetEnvironmentVariable("PEAKD_ACCEPT_BASELINES") == "1";

    public static string Folder(string caseName, [CallerFilePath] string callerFile = "") =>
        Path.Combine(Path.GetDirectoryName(callerFile)!, "Baselines", caseName);

    /// <summary>Compares every generated file; a new, changed or missing file fails with a list of what differs.</summary>
    public static void Verify(string folder, IReadOnlyDictionary<string, string> generated)
    {
        Directory.CreateDirectory(folder);
        foreach (string received in Directory.GetFiles(folder, "*.received.txt"))
        {
            File.Delete(received);
        }

        var problems = new List<string>();
        foreach ((string hint, string text) in generated.OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            string verified = Path.Combine(folder, hint + ".verified.txt");
            string actual = Normalize(text);
            if (File.Exists(verified) && Normalize(File.ReadAllText(verified)) == actual)
            {
                continue;
            }
            if (Accepting)
            {
                File.WriteAllText(verified, actual);
                continue;
            }
            File.WriteAllText(Path.Combine(folder, hint + ".received.txt"), actual);
            problems.Add(File.Exists(verified) ? $"{hint}: differs from its baseline" : $"{hint}: new file without a baseline");
        }

        foreach (string verified in Directory.GetFiles(folder, "*.verified.txt"))
        {
            string hint = Path.GetFileName(verified)[..^".verified.txt".Length];
            if (generated.ContainsKey(hint))
            {
                continue;
            }
            if (Accepting)
            {
                File.Delete(verified);
                continue;
            }
            problems.Add($"{hint}: has a baseline but was not generated");
        }

        Assert.True(problems.Count == 0,
            $"Generated files differ from {folder}:\n  {string.Join("\n  ", problems)}\n" +
            "Compare the .received.txt files with their .verified.txt; to accept, rerun with PEAKD_ACCEPT_BASELINES=1.");
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n").TrimStart('\uFEFF');
}
