using PeaKd.Tests.Infrastructure;

namespace PeaKd.Tests.Sweeps;

/// <summary>Sweep specs written to a temp folder, with the tiny fixture teacher (hidden 32, FFN 48, vocab 50,
/// 24 positions, 2 token types).</summary>
internal static class SweepSpecFiles
{
    /// <summary>Owned parameters at the fixture's sizes, worked by hand: embeddings (50 + 24 + 2) x 32 + 2 x 32 = 2,496;
    /// pooler 32 x 32 + 32 = 1,056; one layer 4 x (32 x 32 + 32) + 2 x 32 + (32 x 48 + 48) + (48 x 32 + 32) + 2 x 32 = 7,504.
    /// So k owned layers own 3,552 + 7,504 k.</summary>
    public static long Owned(int layers) => 3_552 + 7_504L * layers;

    /// <summary>A spec's JSON with the fixture teacher and <paramref name="fields"/> (JSON members, comma-separated).</summary>
    public static string Json(string fields) =>
        "{\n" +
        $"  \"folder\": \"sweep\",\n" +
        $"  \"teacher\": {System.Text.Json.JsonSerializer.Serialize(TestFiles.Fixture("tiny-bert"))},\n" +
        "  \"data\": { \"task\": \"tsv\", \"folder\": \"data\" },\n" +
        fields + "\n}\n";

    /// <summary>Writes <see cref="Json"/> to spec.json in <paramref name="folder"/> and returns its path.</summary>
    public static string Write(TempFolder folder, string fields)
    {
        string path = folder.File("spec.json");
        File.WriteAllText(path, Json(fields));
        return path;
    }
}
