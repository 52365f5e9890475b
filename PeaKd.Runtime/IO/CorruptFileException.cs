namespace PeaKd.IO;

/// <summary>
/// A file PeaKd reads is damaged, truncated or not in the expected format (weights, ONNX models, run metadata).
/// The message names the file and, where it applies, the place in it (a byte offset, a line, a field, a tensor).
/// It is an <see cref="IOException"/>: reading the file failed.
/// </summary>
public sealed class CorruptFileException : IOException
{
    /// <summary>Creates the exception: "file (location): problem".</summary>
    /// <param name="file">The damaged file.</param>
    /// <param name="problem">What is wrong with it.</param>
    /// <param name="location">Where in the file, or null.</param>
    /// <param name="inner">The reader's own exception, when there is one.</param>
    public CorruptFileException(string file, string problem, string? location = null, Exception? inner = null)
        : base($"{file}{(location is null ? "" : $" ({location})")}: {problem}", inner)
    {
        File = file;
        Location = location;
    }

    /// <summary>The damaged file.</summary>
    public string File { get; }

    /// <summary>Where in the file: "byte 8", "line 3", "field 'state'", "tensor 'x'"; null for the whole file.</summary>
    public string? Location { get; }
}
