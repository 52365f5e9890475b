using System.Text;

namespace PeaKd.Data;

/// <summary>
/// Tab-separated files as GLUE writes them: UTF-8 (a BOM is skipped), no quoting, LF or CRLF line ends.
/// Every row must have as many fields as the first.
/// </summary>
internal sealed class TsvFile
{
    private TsvFile(string path, string contentHash, IReadOnlyList<string>? header, IReadOnlyList<(int Line, string[] Fields)> rows)
    {
        Path = path;
        ContentHash = contentHash;
        Header = header;
        Rows = rows;
    }

    public string Path { get; }

    /// <summary>The most bytes one file may hold: well above GLUE's largest (MNLI's train.tsv, about 330 MB), and below
    /// the longest string .NET holds (about 2^30 characters), which the whole file becomes.</summary>
    public const long MaxBytes = 1000L << 20;

    /// <summary>SHA-256 of the bytes that were read, so caches key on exactly this content.</summary>
    public string ContentHash { get; }

    /// <summary>The column names of the first line, or null for files without a header (CoLA train/dev).</summary>
    public IReadOnlyList<string>? Header { get; }

    public IReadOnlyList<(int Line, string[] Fields)> Rows { get; }

    /// <summary>The 1-based line and byte within it of the first invalid UTF-8, found character by character.</summary>
    private static (int Line, int Column) FirstInvalidUtf8(byte[] bytes)
    {
        int line = 1, lineStart = 0;
        for (int i = 0; i < bytes.Length;)
        {
            if (System.Text.Rune.DecodeFromUtf8(bytes.AsSpan(i), out _, out int consumed) != System.Buffers.OperationStatus.Done)
            {
                return (line, i - lineStart + 1);
            }
            if (bytes[i] == (byte)'\n')
            {
                line++;
                lineStart = i + 1;
            }
            i += consumed;
        }
        return (line, 1);
    }

    /// <param name="path">The file.</param>
    /// <param name="hasHeader">Whether the first line names the columns.</param>
    /// <param name="fieldCount">Fields per row when there is no header.</param>
    public static TsvFile Read(string path, bool hasHeader, int? fieldCount = null)
    {
        if (Directory.Exists(path))
        {
            throw new DataFormatException(path, null, "is a folder, not a file; the task's data files go directly in the data folder.");
        }
        if (!File.Exists(path))
        {
            throw new DataFormatException(path, null, "file not found.");
        }
        byte[] bytes = IO.BoundedFile.ReadAllBytes(path, MaxBytes, () => new DataFormatException(path, null,
            $"more than {MaxBytes:N0} bytes, the most PeaKd reads from one data file (it holds the whole file in memory); is this the right file (not a device or a pipe)? Split larger data."));
        (IReadOnlyList<string>? header, List<(int, string[])> rows) = ParseRows(path, Utf8Text(path, bytes), hasHeader, fieldCount);
        return new TsvFile(path, Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes)), header, rows);
    }

    /// <summary>The bytes as strict UTF-8 (an invalid byte is an error naming its line), without a byte order mark.</summary>
    private static string Utf8Text(string path, byte[] bytes)
    {
        var strictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        string text;
        try
        {
            text = strictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            (int line, int column) = FirstInvalidUtf8(bytes);
            throw new DataFormatException(path, line, $"not valid UTF-8 (byte {column} of the line); save the file as UTF-8.");
        }
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            text = text[1..];
        }
        return text;
    }

    /// <summary>The header (when the file has one) and the rows, each with its line number: one row per line, every row
    /// with the same number of fields, no empty line but trailing ones.</summary>
    private static (IReadOnlyList<string>? Header, List<(int, string[])> Rows) ParseRows(string path, string text, bool hasHeader, int? fieldCount)
    {
        string[] lines = text.Split('\n');
        IReadOnlyList<string>? header = null;
        int expected = fieldCount ?? -1;
        var rows = new List<(int, string[])>();
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].EndsWith('\r') ? lines[i][..^1] : lines[i];
            int number = i + 1;
            if (line.Length == 0)
            {
                if (lines.Skip(i + 1).Any(rest => rest.TrimEnd('\r').Length > 0))
                {
                    throw new DataFormatException(path, number, "empty line inside the data; remove it.");
                }
                break; // trailing newline(s)
            }
            string[] fields = line.Split('\t');
            if (hasHeader && header is null)
            {
                header = fields;
                expected = fields.Length;
                continue;
            }
            if (expected < 0)
            {
                expected = fields.Length;
            }
            if (fields.Length != expected)
            {
                throw new DataFormatException(path, number,
                    $"expected {expected} tab-separated fields{(header is null ? "" : " (as in the header)")}, found {fields.Length}. Fields must not contain tabs; quoting is not supported.");
            }
            rows.Add((number, fields));
        }
        if (hasHeader && header is null)
        {
            throw new DataFormatException(path, null, "the file is empty; expected a header row.");
        }
        return (header, rows);
    }

    /// <summary>The index of a header column; fails naming the column and the ones that exist.</summary>
    public int Column(string name)
    {
        if (Header is null)
        {
            throw new InvalidOperationException($"{Path} has no header.");
        }
        int index = IndexOf(name);
        return index >= 0 ? index : throw new DataFormatException(Path, 1,
            $"column '{name}' not found; the header has: {string.Join(", ", Header.Select(h => $"'{h}'"))}.");
    }

    public int IndexOf(string name) => Header is null ? -1 : Header.ToList().IndexOf(name);
}
