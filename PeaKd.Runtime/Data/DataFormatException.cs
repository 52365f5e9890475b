namespace PeaKd.Data;

/// <summary>A data file is missing something or holds a value PeaKd cannot use; the message names the file and line.</summary>
public sealed class DataFormatException : Exception
{
    public DataFormatException(string file, int? line, string problem)
        : base(line is null ? $"{file}: {problem}" : $"{file}:{line}: {problem}")
    {
        File = file;
        Line = line;
    }

    public string File { get; }

    /// <summary>1-based line number, or null when the problem concerns the whole file.</summary>
    public int? Line { get; }
}
