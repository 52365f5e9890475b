using System.Text;

namespace PeaKd.IO;

/// <summary>
/// Reads whole files through a stream, up to a cap. The size a file reports is no bound: /dev/zero, a FIFO or a /proc
/// file reports 0 bytes and then never ends (or ends much later), and File.ReadAllBytes on it grows memory until the
/// process dies. Past the cap the caller's error is thrown, naming the file and the cap.
/// </summary>
internal static class BoundedFile
{
    /// <summary>The file's bytes; more than <paramref name="maxBytes"/> throws what <paramref name="tooLarge"/> makes.</summary>
    public static byte[] ReadAllBytes(string path, long maxBytes, Func<Exception> tooLarge)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(maxBytes, Array.MaxLength);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
        long reported = stream.CanSeek ? stream.Length : 0; // only a first guess: the stream decides where the file ends
        if (reported > maxBytes)
        {
            throw tooLarge();
        }
        byte[] bytes = new byte[reported];
        int length = 0;
        Span<byte> probe = stackalloc byte[1];
        while (true)
        {
            if (length == bytes.Length)
            {
                if (stream.Read(probe) == 0)
                {
                    return bytes; // the common case: exactly the reported size, read without a copy
                }
                if (length + 1L > maxBytes)
                {
                    throw tooLarge();
                }
                Array.Resize(ref bytes, (int)Math.Min(maxBytes, Math.Max(4096L, 2L * bytes.Length)));
                bytes[length++] = probe[0];
                continue;
            }
            int read = stream.Read(bytes, length, bytes.Length - length);
            if (read == 0)
            {
                return bytes[..length];
            }
            length += read;
        }
    }

    /// <summary>The file's text as File.ReadAllText reads it (UTF-8 unless a byte order mark says otherwise, invalid
    /// bytes replaced), read with <see cref="ReadAllBytes"/>'s cap.</summary>
    public static string ReadAllText(string path, long maxBytes, Func<Exception> tooLarge) => Text(ReadAllBytes(path, maxBytes, tooLarge));

    /// <summary>The bytes as File.ReadAllText would read them from a file.</summary>
    public static string Text(byte[] bytes)
    {
        using var reader = new StreamReader(new MemoryStream(bytes, writable: false), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    /// <summary>The lines of the bytes as File.ReadLines would give them from a file (LF, CRLF or CR ends).</summary>
    public static IReadOnlyList<string> Lines(byte[] bytes)
    {
        using var reader = new StringReader(Text(bytes));
        var lines = new List<string>();
        while (reader.ReadLine() is string line)
        {
            lines.Add(line);
        }
        return lines;
    }
}
