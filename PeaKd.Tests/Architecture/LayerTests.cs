using Xunit;

namespace PeaKd.Tests.Architecture;

/// <summary>
/// The runtime is layers a reader can draw: each folder uses only folders below it, so there is no cycle, and each
/// file's namespace is its folder's. A new use of a folder above fails here with the file, the line and the type.
/// </summary>
public class LayerTests
{
    /// <summary>The runtime's folders from the bottom up; a folder may use those before it, never one after it.
    /// "" is the project's root: the DSL's attributes, which use nothing.</summary>
    public static readonly string[] Layers =
    [
        "", "Native", "IO", "Options", "Devices", "Precision", "Modeling", "Folders", "Data", "Checkpoints", "Students", "Export",
        "Training", "Inference", "Runs", "Distillation", "Sweeps",
    ];

    private static readonly Lazy<RuntimeLayers> Runtime = new(RuntimeLayers.Load);

    [Fact]
    public void Every_name_in_the_runtime_resolves_so_the_graph_is_complete()
    {
        Assert.True(Runtime.Value.UnresolvedNames.Count == 0, string.Join("\n", Runtime.Value.UnresolvedNames.Take(20)));
        Assert.True(Runtime.Value.CrossFolderUses.Count > 100, $"only {Runtime.Value.CrossFolderUses.Count} uses across folders were found");
    }

    [Fact]
    public void Every_folder_is_a_layer_in_the_list()
    {
        var folders = Runtime.Value.Files.Select(f => f.Folder).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.Equal(Layers.Order(StringComparer.Ordinal), folders);
    }

    [Fact]
    public void A_folder_uses_only_the_layers_below_it()
    {
        var upward = Runtime.Value.CrossFolderUses
            .Where(u => Array.IndexOf(Layers, u.ToFolder) > Array.IndexOf(Layers, u.FromFolder))
            .GroupBy(u => (u.FromFolder, u.ToFolder))
            .Select(g => $"{Show(g.Key.FromFolder)} uses {Show(g.Key.ToFolder)}, above it, {g.Count()} times: "
                + string.Join("; ", g.DistinctBy(u => (u.File, u.Type)).Take(4).Select(u => $"{u.File}:{u.Line} {u.Type}")))
            .ToList();
        Assert.True(upward.Count == 0, string.Join("\n", upward));
    }

    [Fact]
    public void Each_file_is_in_its_folders_namespace()
    {
        var wrong = Runtime.Value.Files
            .Where(f => !(f.Namespace == Expected(f.File) ))
            .Select(f => $"{f.File}: namespace {f.Namespace}, expected {Expected(f.File)}")
            .ToList();
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    private static string Expected(string relativeFile)
    {
        string folder = Path.GetDirectoryName(relativeFile) ?? "";
        return folder.Length == 0 ? "PeaKd" : "PeaKd." + folder.Replace(Path.DirectorySeparatorChar, '.');
    }

    private static string Show(string folder) => folder.Length == 0 ? "the root" : folder;
}
