namespace PeaKd.Data;

/// <summary>A data file is missing something or holds a value PeaKd cannot use; the message names the file and line.</summary>
public sealed class DataFormatException : Exception
{
    /// <summary>Creates the exception: "file:line: problem".</summary>
    /// <param name="file">The data file.</param>
    /// <param name="line">Its 1-based line, or null for the whole file.</param>
    /// <param name="problem">What is wrong and what to do.</param>
    public DataFormatException(string file, int? line, string problem)
        : base(line is null ? $"{file}: {problem}" : $"{file}:{line}: {problem}")
    {
        File = file;
        Line = line;
    }

    /// <summary>The data file.</summary>
    public string File { get; }

    /// <summary>1-based line number, or null when the problem concerns the whole file.</summary>
    public int? Line { get; }
}
