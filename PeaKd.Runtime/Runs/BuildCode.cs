using System.Reflection;
using System.Security.Cryptography;

namespace PeaKd.Runs;

/// <summary>
/// The code a run or a sweep's cell runs: 12 hex digits of the SHA-256 of PeaKd's runtime assembly and the application's (which
/// declares the students; the compiler builds both deterministically, so the same sources give the same bytes). A
/// version number would not do: every build between releases has the same one, while a fixed bug, a changed default
/// or a student redefined under its old name changes what a cell computes.
/// </summary>
internal static class BuildCode
{
    private static readonly Lazy<string> Hash = new(() =>
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (Assembly assembly in new[] { typeof(BuildCode).Assembly, Assembly.GetEntryAssembly() }.OfType<Assembly>().Distinct())
        {
            if (assembly.Location is { Length: > 0 } file && File.Exists(file))
            {
                sha.AppendData(File.ReadAllBytes(file));
            }
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset())[..12];
    });

    /// <summary>This process's code.</summary>
    public static string Current => Hash.Value;
}
