using System.CommandLine;
using System.Globalization;
using System.Text;

namespace PeaKd.Samples.Cli;

/// <summary><c>peakd predict</c>: a trained model's label and probability for each text, from the arguments, stdin
/// (one text per line) or a TSV file; printed one per line, or written as a TSV.</summary>
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
        var texts = new Argument<string[]>("texts") { Description = "Texts to classify; none reads --input, or stdin one text per line.", Arity = ArgumentArity.ZeroOrMore };
        var input = new Option<string?>("--input") { Description = "A TSV file with a header: the text column (--text-column, default text) and text_b or --text-pair-column for pairs." };
        var output = new Option<string?>("--output") { Description = "Write a TSV (text, label, probability, one probability column per label) instead of printing." };
        var maxLength = new Option<int?>("--max-length") { Description = "Tokens per text (default: the length the model was trained with)." };
        var batchSize = new Option<int>("--batch-size") { Description = "Texts per forward pass.", DefaultValueFactory = _ => 64 };
        var command = new Command("predict", "Classify texts with a trained model: label and probability per text.") { texts };
        CommonOptions.Add(command, [model, input, output, common.TextColumn, common.PairColumn, maxLength, batchSize, common.Device, common.Precision]);
        command.SetAction(parse => CommandRunner.Run("predict", Flags, () =>
        {
            string[] given = parse.GetValue(texts) ?? [];
            string? file = parse.GetValue(input);
            CommonOptions.Require(given.Length == 0 || file is null, "Give texts as arguments or --input FILE, not both.");
            IReadOnlyList<(string Text, string? Pair)> inputs = file is not null ? TextClassifier.ReadTexts(file, parse.GetValue(common.TextColumn)!, parse.GetValue(common.PairColumn))
                : given.Length > 0 ? given.Select(t => (t, (string?)null)).ToArray()
                : ReadStandardInput();
            var options = new TextClassifierOptions
            {
                Device = common.DeviceChoice(parse),
                Precision = common.PrecisionChoice(parse),
                MaxLength = parse.GetValue(maxLength),
                BatchSize = parse.GetValue(batchSize),
            };
            using TextClassifier classifier = TextClassifier.Load(parse.GetValue(model)!, options);
            IReadOnlyList<Prediction> predictions = classifier.PredictBatch(inputs);
            if (parse.GetValue(output) is string path)
            {
                WriteTsv(path, classifier, inputs, predictions);
                Console.Error.WriteLine($"wrote {predictions.Count} predictions to {path}");
                return;
            }
            foreach (Prediction prediction in predictions)
            {
                Console.WriteLine(classifier.IsRegression ? prediction.Label : string.Create(CultureInfo.InvariantCulture, $"{prediction.Label}\t{prediction.Probability:F4}"));
            }
        }));
        return command;
    }

    /// <summary>One text per non-empty line of stdin.</summary>
    private static IReadOnlyList<(string, string?)> ReadStandardInput()
    {
        var texts = new List<(string, string?)>();
        while (Console.In.ReadLine() is string line)
        {
            if (!string.IsNullOrWhiteSpace(line))
            {
                texts.Add((line, null));
            }
        }
        CommonOptions.Require(texts.Count > 0, "No text to classify: give texts as arguments, --input FILE, or lines on stdin.");
        return texts;
    }

    private static void WriteTsv(string path, TextClassifier classifier, IReadOnlyList<(string Text, string? Pair)> inputs, IReadOnlyList<Prediction> predictions)
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
            Prediction prediction = predictions[i];
            text.Append(Field(inputs[i].Text)).Append('\t');
            if (pairs)
            {
                text.Append(Field(inputs[i].Pair ?? "")).Append('\t');
            }
            text.Append(prediction.Label).Append('\t').Append(Number(prediction.Probability));
            foreach (string label in labels)
            {
                text.Append('\t').Append(Number(prediction.Probabilities[label]));
            }
            text.Append('\n');
        }
        File.WriteAllText(path, text.ToString());
    }

    /// <summary>A text as one TSV field: tabs and line breaks would split it.</summary>
    private static string Field(string value) => value.Replace('\t', ' ').Replace('\r', ' ').Replace('\n', ' ');

    private static string Number(double value) => double.IsNaN(value) ? "" : value.ToString("F6", CultureInfo.InvariantCulture);
}
