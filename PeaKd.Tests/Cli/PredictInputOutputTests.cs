using System.Globalization;
using System.Text;
using PeaKd.Samples.Cli;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Cli;

/// <summary>peakd predict's stdin (a line out per line in, binary refused naming the line) and the files predict and
/// evaluate write (whole or not at all, never into the model or over what they read), on the tiny fixture model.</summary>
[Collection(TrainingCollection.Name)]
public class PredictInputOutputTests
{
    private static (int Exit, string Out, string Error) Peakd(byte[] stdin, params string[] args) => ConsoleCapture.Run(() => PeakdCli.Run(args), stdin);

    private static (int Exit, string Out, string Error) Peakd(params string[] args) => ConsoleCapture.Run(() => PeakdCli.Run(args));

    private static string CopyModel(TempFolder folder)
    {
        string model = folder.File("model");
        Directory.CreateDirectory(model);
        foreach (string name in new[] { "config.json", "model.safetensors", "vocab.txt" })
        {
            File.Copy(TestFiles.Fixture("tiny-bert", name), Path.Combine(model, name));
        }
        return model;
    }

    [Fact]
    public void Blank_stdin_lines_keep_their_place_on_stdout_and_in_the_TSV()
    {
        using var folder = TestFiles.TempFolder();
        string model = CopyModel(folder);
        string[] texts = ["tok10 tok20 tok30", "tok41 tok12", "tok33"];
        var alone = Peakd("predict", "--model", model, "--device", "cpu", texts[0], texts[1], texts[2]);
        Assert.True(alone.Exit == 0, alone.Error);
        string[] expected = alone.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, expected.Length);

        // blank, whitespace-only and CRLF lines between and around the texts: each line out stands for the line in
        byte[] stdin = Encoding.UTF8.GetBytes($"\n{texts[0]}\r\n \t\n\n{texts[1]}\n   \n{texts[2]}");
        var (exit, output, error) = Peakd(stdin, "predict", "--model", model, "--device", "cpu");
        Assert.True(exit == 0, error);
        Assert.Equal(["", expected[0], "", "", expected[1], "", expected[2]], output.TrimEnd('\n').Split('\n'));

        string tsv = folder.File("out/predictions.tsv");
        (exit, _, error) = Peakd(stdin, "predict", "--model", model, "--device", "cpu", "--output", tsv);
        Assert.True(exit == 0, error);
        Assert.Contains("wrote 3 predictions and 4 empty rows for blank lines", error);
        string[] rows = File.ReadAllLines(tsv);
        Assert.Equal("text\tlabel\tprobability\tp_negative\tp_neutral\tp_positive", rows[0]);
        Assert.Equal(8, rows.Length);
        Assert.Equal(["\t\t\t\t\t", $"{texts[0]}\t{expected[0].Split('\t')[0]}"], [rows[1], string.Join('\t', rows[2].Split('\t').Take(2))]);
        Assert.Equal("  \t\t\t\t\t", rows[3]); // " \t": the tab inside the blank line becomes a space, one field
        Assert.Equal(["\t\t\t\t\t", "   \t\t\t\t\t"], [rows[4], rows[6]]);
        double printed = double.Parse(expected[1].Split('\t')[1], CultureInfo.InvariantCulture), tabulated = double.Parse(rows[5].Split('\t')[2], CultureInfo.InvariantCulture);
        Assert.True(Math.Abs(printed - tabulated) <= 5.1e-5, $"{printed} printed, {tabulated} in the TSV");
        Assert.Empty(Directory.GetFiles(folder.File("out"), ".*.tmp"));
    }

    public static TheoryData<string, byte[], string> BadStdin => new()
    {
        { "invalid UTF-8", [.. "tok10\ntok11 "u8, 0xC3, 0x28, .. "\n"u8], "stdin line 2: not valid UTF-8 (byte 7 of the line)" },
        { "Latin-1", [.. "tok10\ntok11\n"u8, (byte)'c', 0xE9, (byte)'\n'], "stdin line 3: not valid UTF-8 (byte 2 of the line)" },
        { "a NUL byte", [.. "tok10\n\ntok"u8, 0, .. "12\n"u8], "stdin line 3: a NUL byte (byte 4 of the line)" },
        { "binary", [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0], "stdin line 1: a NUL byte (byte 8 of the line)" },
        { "a line past 1 MiB", Encoding.UTF8.GetBytes("tok10\n" + new string('a', (1 << 20) + 1)), "stdin line 2: longer than 1,048,576 bytes" },
        { "blank lines only", "\n \n\r\n"u8.ToArray(), "No text to classify" },
    };

    [Theory]
    [MemberData(nameof(BadStdin))]
    public void Binary_or_invalid_stdin_is_refused_naming_the_line(string name, byte[] stdin, string message)
    {
        var (exit, output, error) = Peakd(stdin, "predict", "--model", "nowhere");
        Assert.True(exit == 1, name);
        Assert.StartsWith($"peakd predict: {message}", error);
        Assert.Equal("", output);
    }

    [Fact]
    public void Stdin_past_its_byte_or_line_cap_is_refused_naming_the_line()
    {
        var bytes = Assert.Throws<ArgumentException>(() => PredictCommand.ReadStandardInput(new MemoryStream("ab\ncd\nef\n"u8.ToArray()), maxBytes: 8));
        Assert.StartsWith("stdin line 1: stdin holds more than 8 bytes", bytes.Message); // one read: the whole stream at once
        Assert.Equal(["ab", "cd", "ef"], PredictCommand.ReadStandardInput(new MemoryStream("ab\ncd\nef\n"u8.ToArray()), maxBytes: 9));
        var lines = Assert.Throws<ArgumentException>(() => PredictCommand.ReadStandardInput(new MemoryStream("a\nb\nc"u8.ToArray()), maxLines: 2));
        Assert.StartsWith("stdin line 3: more than 2 lines", lines.Message);
        Assert.Equal(["a", "", "c"], PredictCommand.ReadStandardInput(new MemoryStream("\uFEFFa\n\nc"u8.ToArray()), maxLines: 3)); // a BOM is not text
    }

    [Fact]
    public void Predict_output_is_refused_in_the_model_folder_over_the_input_or_through_links_to_them()
    {
        using var folder = TestFiles.TempFolder();
        string model = CopyModel(folder);
        string input = folder.File("input.tsv");
        File.WriteAllLines(input, ["text", "tok10 tok20"]);
        File.CreateSymbolicLink(folder.File("model-link"), model);
        File.CreateSymbolicLink(folder.File("input-link.tsv"), input);
        string[] before = Directory.GetFiles(model).Select(File.ReadAllText).ToArray();
        foreach ((string output, string message) in new[]
        {
            (model, $"--output is '{model}', inside the folder --model names ('{model}')"),
            (Path.Combine(model, "config.json"), $"--output is '{Path.Combine(model, "config.json")}', inside the folder --model names"),
            (Path.Combine(model, "new/predictions.tsv"), $"--output is '{Path.Combine(model, "new/predictions.tsv")}', inside the folder --model names"),
            (folder.File("model-link/vocab.txt"), $"--output is '{folder.File("model-link/vocab.txt")}' (that is, '{model}/vocab.txt'), inside the folder --model names"),
            (input, $"--output is '{input}', the file --input names ('{input}')"),
            (folder.File("input-link.tsv"), $"--output is '{folder.File("input-link.tsv")}' (that is, '{input}'), the file --input names"),
        })
        {
            var (exit, _, error) = Peakd("predict", "--model", model, "--device", "cpu", "--input", input, "--output", output);
            Assert.Equal(1, exit);
            Assert.StartsWith($"peakd predict: {message}", error);
        }
        // the model named through a link is the same model
        var linked = Peakd("predict", "--model", folder.File("model-link"), "--device", "cpu", "--input", input, "--output", Path.Combine(model, "p.tsv"));
        Assert.Equal(1, linked.Exit);
        Assert.Contains("inside the folder --model names", linked.Error);
        Assert.Equal(before, Directory.GetFiles(model).Select(File.ReadAllText).ToArray());
        Assert.False(Directory.Exists(Path.Combine(model, "new")));
        Assert.Equal(["text", "tok10 tok20"], File.ReadAllLines(input));

        // beside them: written, and a second run replaces the file whole
        string beside = folder.File("predictions.tsv");
        File.WriteAllText(beside, new string('x', 100_000));
        var written = Peakd("predict", "--model", model, "--device", "cpu", "--input", input, "--output", beside);
        Assert.True(written.Exit == 0, written.Error);
        Assert.Equal(2, File.ReadAllLines(beside).Length);
        Assert.Empty(Directory.GetFiles(folder.Path, ".*.tmp"));
    }

    [Fact]
    public void Evaluate_predictions_are_refused_in_the_model_folder_or_over_a_data_file()
    {
        using var folder = TestFiles.TempFolder();
        string model = CopyModel(folder);
        TinyTask.WriteData(folder.File("data"), train: 16, dev: 16);
        string dev = File.ReadAllText(folder.File("data/dev.tsv"));
        string[] args = ["evaluate", "--task", "tsv", "--data", folder.File("data"), "--model", model, "--device", "cpu", "--predictions"];
        var inModel = Peakd([.. args, Path.Combine(model, "predictions-dev.tsv")]);
        Assert.Equal(1, inModel.Exit);
        Assert.StartsWith($"peakd evaluate: --predictions is '{Path.Combine(model, "predictions-dev.tsv")}', inside the folder --model names ('{model}')", inModel.Error);
        var overData = Peakd([.. args, folder.File("data/dev.tsv")]);
        Assert.Equal(1, overData.Exit);
        Assert.StartsWith($"peakd evaluate: --predictions is '{folder.File("data/dev.tsv")}', the file --data names ('{folder.File("data/dev.tsv")}')", overData.Error);
        Assert.Equal(dev, File.ReadAllText(folder.File("data/dev.tsv")));
        Assert.False(File.Exists(Path.Combine(model, "predictions-dev.tsv")));
    }
}
