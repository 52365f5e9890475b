using Xunit;

namespace PeaKd.Tests.Architecture;

/// <summary>
/// The runtime's methods stay short enough to read whole: one over <see cref="MostLines"/> lines carries a
/// <c>// Long:</c> comment just above it (with its doc comment) that says why it reads better whole.
/// </summary>
public class MethodLengthTests
{
    private const int MostLines = 60;

    private static readonly Lazy<RuntimeLayers> Runtime = new(RuntimeLayers.Load);

    [Fact]
    public void The_methods_are_measured()
    {
        Assert.True(Runtime.Value.Methods.Count > 300, $"{Runtime.Value.Methods.Count} methods");
        Assert.Contains(Runtime.Value.Methods, m => m.Lines > 20);
    }

    [Fact]
    public void A_method_over_sixty_lines_says_why_beside_it()
    {
        var unexplained = Runtime.Value.Methods
            .Where(m => m.Lines > MostLines && !m.Comments.Contains("// Long:", StringComparison.Ordinal))
            .OrderByDescending(m => m.Lines)
            .Select(m => $"{m.File}:{m.Line} {m.Name}: {m.Lines} lines")
            .ToList();
        Assert.True(unexplained.Count == 0,
            $"split these, or write '// Long: <why it reads better whole>' just above them:\n{string.Join("\n", unexplained)}");
    }
}
