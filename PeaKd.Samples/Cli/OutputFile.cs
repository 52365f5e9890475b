using PeaKd.IO;

namespace PeaKd.Samples.Cli;

/// <summary>A file a command writes where its user says (predict's --output, evaluate's --predictions): refused where
/// it would overwrite what the command reads, and written whole or not at all.</summary>
internal static class OutputFile
{
    /// <summary>Refuses <paramref name="output"/> when it is the model folder, lies inside it, or is one of the files
    /// the command reads; links are resolved first, so a link into the model or to an input is refused too.</summary>
    /// <param name="outputFlag">The output's flag, for the message (--output).</param>
    /// <param name="output">The output file as given.</param>
    /// <param name="modelFlag">The model's flag (--model).</param>
    /// <param name="modelFolder">The folder <paramref name="modelFlag"/> names (a run folder or a model folder).</param>
    /// <param name="inputs">The files the command reads, each with the flag that names it.</param>
    public static void CheckNotOverInputs(string outputFlag, string output, string modelFlag, string modelFolder, params (string Flag, string Path)[] inputs)
    {
        string target = FolderPaths.Real(output);
        string model = FolderPaths.Real(modelFolder);
        if (target == model || target.StartsWith(model.EndsWith('/') ? model : model + "/", StringComparison.Ordinal))
        {
            throw new ArgumentException($"{outputFlag} is '{output}'{Resolved(output, target)}, inside the folder {modelFlag} names ('{modelFolder}'{Resolved(modelFolder, model)}); "
                + $"the file would be written into the model. Give {outputFlag} a path outside it.");
        }
        foreach ((string flag, string path) in inputs)
        {
            string input = FolderPaths.Real(path);
            if (target == input)
            {
                throw new ArgumentException($"{outputFlag} is '{output}'{Resolved(output, target)}, the file {flag} names ('{path}'{Resolved(path, input)}); "
                    + $"the predictions would be written over the input. Give {outputFlag} another path.");
            }
        }
        if (Directory.Exists(target))
        {
            throw new ArgumentException($"{outputFlag} is '{output}', a folder; give the path of a file to write.");
        }
    }

    /// <summary>Writes <paramref name="contents"/> whole or not at all (the runtime's <see cref="AtomicFile"/>: a
    /// temporary file beside <paramref name="path"/>, flushed, then renamed over it), so a kill never leaves half a file.</summary>
    public static void WriteAtomically(string path, string contents) => AtomicFile.WriteAllText(path, contents);

    /// <summary>" (that is, REAL)" when links made <paramref name="real"/> differ from the path as given.</summary>
    private static string Resolved(string given, string real) =>
        real == Path.TrimEndingDirectorySeparator(Path.GetFullPath(given)) ? "" : $" (that is, '{real}')";
}
