using System.Collections.Generic;
using System.Linq;

namespace PeaKd.Generators.Emitting;

/// <summary>
/// Where the catalog is declared: the students' own namespace, so code that imports the students finds it too.
/// RootNamespace is not used first because it may differ from the students' namespace by case only (then
/// <c>using App;</c> does not find <c>app.StudentCatalog</c>, and CA1708 flags the two spellings).
/// </summary>
internal static class CatalogNamespace
{
    /// <summary>The catalog's namespace: the students' longest common one; the global namespace when every student is
    /// in it (a program of top-level statements); <paramref name="fallback"/> when they share none. Null is global.</summary>
    public static string? For(IReadOnlyCollection<string?> namespaces, string fallback) =>
        namespaces.All(n => n is null) ? null : Common(namespaces) ?? fallback;

    /// <summary>The longest common namespace ("App.Students.Small" and "App.Students.Large" give "App.Students"),
    /// or null when there is none (unrelated namespaces, or a student in the global namespace).</summary>
    public static string? Common(IEnumerable<string?> namespaces)
    {
        string[]? common = null;
        foreach (string? name in namespaces)
        {
            if (name is null)
            {
                return null;
            }
            string[] parts = name.Split('.');
            if (common is null)
            {
                common = parts;
                continue;
            }
            int shared = 0;
            while (shared < common.Length && shared < parts.Length && common[shared] == parts[shared])
            {
                shared++;
            }
            common = common.Take(shared).ToArray();
        }
        return common is { Length: > 0 } ? string.Join(".", common) : null;
    }

    /// <summary>The project's root namespace, else its assembly name made into a valid namespace.</summary>
    public static string Fallback(string? rootNamespace, string? assemblyName)
    {
        string name = !string.IsNullOrWhiteSpace(rootNamespace) ? rootNamespace!.Trim() : assemblyName ?? "Students";
        string[] parts = name.Split('.').Select(part =>
        {
            string clean = new string(part.Select(c => char.IsLetterOrDigit(c) || c == '_' ? c : '_').ToArray());
            return clean.Length == 0 || char.IsDigit(clean[0]) ? "_" + clean : clean;
        }).ToArray();
        return string.Join(".", parts);
    }
}
