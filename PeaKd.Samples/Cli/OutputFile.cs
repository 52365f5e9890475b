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
        string target = RealPaths.Of(output);
        string model = RealPaths.Of(modelFolder);
        if (target == model || target.StartsWith(model.EndsWith('/') ? model : model + "/", StringComparison.Ordinal))
        {
            throw new ArgumentException($"{outputFlag} is '{output}'{Resolved(output, target)}, inside the folder {modelFlag} names ('{modelFolder}'{Resolved(modelFolder, model)}); "
                + $"the file would be written into the model. Give {outputFlag} a path outside it.");
        }
        foreach ((string flag, string path) in inputs)
        {
            string input = RealPaths.Of(path);
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

    /// <summary>Writes <paramref name="contents"/> to a temporary file beside <paramref name="path"/> (flushed to disk),
    /// then renames it over <paramref name="path"/>: a reader, or a kill, never sees half a file, and a failed write
    /// leaves any earlier file as it was. The temporary's name is the runtime's (.NAME.GUID.tmp).</summary>
    public static void WriteAtomically(string path, string contents)
    {
        string fullPath = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(fullPath)!;
        Directory.CreateDirectory(folder);
        string temporary = Path.Combine(folder, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(contents);
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, fullPath, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    /// <summary>" (that is, REAL)" when links made <paramref name="real"/> differ from the path as given.</summary>
    private static string Resolved(string given, string real) =>
        real == Path.TrimEndingDirectorySeparator(Path.GetFullPath(given)) ? "" : $" (that is, '{real}')";
}
