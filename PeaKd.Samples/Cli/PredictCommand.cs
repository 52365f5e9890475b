using System.CommandLine;
using System.Globalization;
using System.Text;
using PeaKd.Inference;

namespace PeaKd.Samples.Cli;

/// <summary><c>peakd predict</c>: a trained model's label and probability for each text, from the arguments, stdin
/// (one text per line, a blank line kept as an empty output line) or a TSV file; printed one per line, or written as a TSV.</summary>
internal static class PredictCommand
{
    private const string Options = nameof(TextClassifierOptions);

    private static readonly FlagNames Flags = new(
    [
        ($"{Options}.Device", "--device"),
        ($"{Options}.Precision", "--precision"),
        ($"{Options}.MaxLength", "--max-length"),
        ($"{Options}.BatchSize", "--batch-size"),
    ]);

    public static Command Create()
    {
        var common = new CommonOptions();
        var model = new Option<string>("--model") { Description = "A run folder, a student folder, a teacher or an export.", Required = true };
        var texts = new Argument<string[]>("texts")
        {
            Description = "Texts to classify; none reads --input, or stdin: one UTF-8 text per line, each output line for the input line at its place "
                + "(an empty or blank line gets an empty line, or an empty label and probability in --output).",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var input = new Option<string?>("--input") { Description = "A TSV file with a header: the text column (--text-column, default text) and text_b or --text-pair-column for pairs." };
        var output = new Option<string?>("--output") { Description = "Write a TSV (text, label, probability, one probability column per label) instead of printing; written whole or not at all, never into the model or over --input." };
        var maxLength = new Option<int?>("--max-length") { Description = "Tokens per text (default: the length the model was trained with)." };
        var batchSize = new Option<int>("--batch-size") { Description = "Texts per forward pass.", DefaultValueFactory = _ => 64 };
        var command = new Command("predict", "Classify texts with a trained model: label and probability per text.") { texts };
        CommonOptions.Add(command, [model, input, output, common.TextColumn, common.PairColumn, maxLength, batchSize, common.Device, common.Precision]);
        command.SetAction(parse => CommandRunner.Run("predict", Flags, () =>
        {
            string[] given = parse.GetValue(texts) ?? [];
            string? file = parse.GetValue(input);
            string? outputPath = parse.GetValue(output);
            CommonOptions.Require(given.Length == 0 || file is null, "Give texts as arguments or --input FILE, not both.");
            if (outputPath is not null)
            {
                OutputFile.CheckNotOverInputs("--output", outputPath, "--model", parse.GetValue(model)!, file is null ? [] : [("--input", file)]);
            }
            IReadOnlyList<(string Text, string? Pair)> inputs = file is not null ? TextClassifier.ReadTexts(file, parse.GetValue(common.TextColumn)!, parse.GetValue(common.PairColumn))
                : given.Length > 0 ? given.Select(t => (t, (string?)null)).ToArray()
                : ReadStandardInput(PeakdCli.OpenStandardInput()).Select(t => (t, (string?)null)).ToArray();
            var options = new TextClassifierOptions
            {
                Device = common.DeviceChoice(parse),
                Precision = common.PrecisionChoice(parse),
                MaxLength = parse.GetValue(maxLength),
                BatchSize = parse.GetValue(batchSize),
            };
            using TextClassifier classifier = TextClassifier.Load(parse.GetValue(model)!, options);
            IReadOnlyList<Prediction?> predictions = PredictKeepingBlanks(classifier, inputs);
            if (outputPath is not null)
            {
                OutputFile.WriteAtomically(outputPath, Tsv(classifier, inputs, predictions));
                int blank = predictions.Count(p => p is null);
                Console.Error.WriteLine($"wrote {predictions.Count - blank} predictions{(blank > 0 ? $" and {blank} empty rows for blank lines" : "")} to {outputPath}");
                return;
            }
            foreach (Prediction? prediction in predictions)
            {
                Console.WriteLine(prediction is null ? ""
                    : classifier.IsRegression ? prediction.Label : string.Create(CultureInfo.InvariantCulture, $"{prediction.Label}\t{prediction.Probability:F4}"));
            }
        }));
        return command;
    }

    /// <summary>The prediction of each input in its place; null for a blank text, which is not classified (an output
    /// line per input line keeps the two aligned).</summary>
    private static IReadOnlyList<Prediction?> PredictKeepingBlanks(TextClassifier classifier, IReadOnlyList<(string Text, string? Pair)> inputs)
    {
        bool Blank((string Text, string? Pair) input) => string.IsNullOrWhiteSpace(input.Text);
        IReadOnlyList<Prediction> classified = classifier.PredictBatch(inputs.Where(i => !Blank(i)).ToArray());
        int next = 0;
        return inputs.Select(i => Blank(i) ? null : classified[next++]).ToArray();
    }

    /// <summary>The most bytes read from stdin: what --input reads from a file (the runtime's data file cap), so that
    /// /dev/zero or an endless pipe is refused rather than read until memory runs out.</summary>
    internal const long MaxStandardInputBytes = 1000L << 20;

    /// <summary>The longest stdin line: far beyond any text a model reads (a few hundred tokens), short of a file
    /// without line breaks.</summary>
    internal const int MaxLineBytes = 1 << 20;

    /// <summary>The most stdin lines: every text is held in memory with its prediction, so an endless stream of short
    /// lines must stop well before the byte cap would stop it.</summary>
    internal const int MaxLines = 10_000_000;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>One text per line of stdin (LF or CRLF ends; a UTF-8 BOM is skipped), blank lines kept in their place.
    /// Binary input is refused as --input refuses it: invalid UTF-8 or a NUL byte is an error naming the line, as is a
    /// line longer than <paramref name="maxLineBytes"/>, more than <paramref name="maxBytes"/> in all or more than
    /// <paramref name="maxLines"/> lines.</summary>
    internal static IReadOnlyList<string> ReadStandardInput(Stream stdin, long maxBytes = MaxStandardInputBytes, int maxLineBytes = MaxLineBytes, int maxLines = MaxLines)
    {
        var lines = new List<string>();
        var line = new MemoryStream();
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        int read;
        while ((read = stdin.Read(buffer)) > 0)
        {
            total += read;
            if (total > maxBytes)
            {
                throw new ArgumentException($"stdin line {lines.Count + 1}: stdin holds more than {maxBytes:N0} bytes, the most predict reads; give the texts in parts.");
            }
            ReadOnlySpan<byte> chunk = buffer.AsSpan(0, read);
            while (chunk.Length > 0)
            {
                int end = chunk.IndexOf((byte)'\n');
                ReadOnlySpan<byte> part = end < 0 ? chunk : chunk[..end];
                if (part.IndexOf((byte)0) is int nul and >= 0)
                {
                    throw new ArgumentException($"stdin line {lines.Count + 1}: a NUL byte (byte {line.Length + nul + 1} of the line); stdin holds binary data, not one UTF-8 text per line.");
                }
                if (line.Length + part.Length > maxLineBytes)
                {
                    throw new ArgumentException($"stdin line {lines.Count + 1}: longer than {maxLineBytes:N0} bytes, far past any text a model reads; is stdin text with one text per line?");
                }
                line.Write(part);
                if (end < 0)
                {
                    break;
                }
                AddLine();
                line.SetLength(0);
                chunk = chunk[(end + 1)..];
            }
        }
        if (line.Length > 0)
        {
            AddLine(); // the last line, without a line break
        }
        void AddLine()
        {
            if (lines.Count == maxLines)
            {
                throw new ArgumentException($"stdin line {lines.Count + 1}: more than {maxLines:N0} lines, the most predict reads from stdin; give the texts in parts.");
            }
            lines.Add(Decode(line, lines.Count + 1));
        }
        CommonOptions.Require(lines.Any(l => !string.IsNullOrWhiteSpace(l)), "No text to classify: give texts as arguments, --input FILE, or lines on stdin.");
        return lines;
    }

    /// <summary>A stdin line's text: strict UTF-8, without its CR (CRLF ends) or, on line 1, a BOM.</summary>
    private static string Decode(MemoryStream line, int number)
    {
        ReadOnlySpan<byte> bytes = line.GetBuffer().AsSpan(0, (int)line.Length);
        if (bytes.Length > 0 && bytes[^1] == (byte)'\r')
        {
            bytes = bytes[..^1];
        }
        if (number == 1 && bytes.StartsWith("\uFEFF"u8))
        {
            bytes = bytes[3..];
        }
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            int at = 0;
            while (at < bytes.Length && Rune.DecodeFromUtf8(bytes[at..], out _, out int consumed) == System.Buffers.OperationStatus.Done)
            {
                at += consumed;
            }
            throw new ArgumentException($"stdin line {number}: not valid UTF-8 (byte {at + 1} of the line); stdin holds binary data or another encoding. Give UTF-8 text.");
        }
    }

    /// <summary>The --output TSV: a row per input in its place; a blank input's row has an empty label and probabilities.</summary>
    private static string Tsv(TextClassifier classifier, IReadOnlyList<(string Text, string? Pair)> inputs, IReadOnlyList<Prediction?> predictions)
    {
        bool pairs = inputs.Any(i => i.Pair is not null);
        IReadOnlyList<string> labels = classifier.IsRegression ? [] : classifier.Labels;
        var text = new StringBuilder(pairs ? "text\ttext_b\tlabel\tprobability" : "text\tlabel\tprobability");
        foreach (string label in labels)
        {
            text.Append("\tp_").Append(label);
        }
        text.Append('\n');
        for (int i = 0; i < predictions.Count; i++)
        {
            Prediction? prediction = predictions[i];
            text.Append(Field(inputs[i].Text)).Append('\t');
            if (pairs)
            {
                text.Append(Field(inputs[i].Pair ?? "")).Append('\t');
            }
            text.Append(prediction?.Label).Append('\t').Append(prediction is null ? "" : Number(prediction.Probability));
            foreach (string label in labels)
            {
                text.Append('\t').Append(prediction is null ? "" : Number(prediction.Probabilities[label]));
            }
            text.Append('\n');
        }
        return text.ToString();
    }

    /// <summary>A text as one TSV field: tabs and line breaks would split it.</summary>
    private static string Field(string value) => value.Replace('\t', ' ').Replace('\r', ' ').Replace('\n', ' ');

    private static string Number(double value) => double.IsNaN(value) ? "" : value.ToString("F6", CultureInfo.InvariantCulture);
}
