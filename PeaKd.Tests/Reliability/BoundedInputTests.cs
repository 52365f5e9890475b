using System.Diagnostics;
using PeaKd.Data;
using PeaKd.IO;
using PeaKd.Inference;
using PeaKd.Modeling;
using PeaKd.Samples.Cli;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Reliability;

/// <summary>Files that report 0 bytes and never end (/dev/zero, a FIFO fed forever) given where PeaKd reads a whole
/// file: each read stops at its cap with an error naming the file and the cap, instead of growing memory until the
/// process dies. Links named like the real files (config.json, vocab.txt) stand in for a damaged model folder.</summary>
[Collection(TrainingCollection.Name)]
[Trait(Speed.Trait, Speed.Slow)] // real processes, packing or a gigabyte read: not in the inner loop
public class BoundedInputTests
{
    private static (int Exit, string Out, string Error) Peakd(params string[] args) => ConsoleCapture.Run(() => PeakdCli.Run(args));

    /// <summary>The tiny fixture model, copied, with <paramref name="file"/> replaced by a link to /dev/zero.</summary>
    private static string ModelWithEndless(TempFolder folder, string file)
    {
        string model = folder.File("model");
        Directory.CreateDirectory(model);
        foreach (string name in new[] { "config.json", "model.safetensors", "vocab.txt" })
        {
            File.Copy(TestFiles.Fixture("tiny-bert", name), Path.Combine(model, name));
        }
        File.Delete(Path.Combine(model, file));
        File.CreateSymbolicLink(Path.Combine(model, file), "/dev/zero");
        return model;
    }

    [Fact]
    public void A_metadata_json_that_never_ends_is_refused_at_its_cap()
    {
        var error = Assert.Throws<CorruptFileException>(() => JsonFile.ReadText("/dev/zero"));
        Assert.StartsWith("/dev/zero: it holds more than 16,777,216 bytes", error.Message);
        // a smaller cap, a link of another name: the cap asked for, the path as given
        using var folder = TestFiles.TempFolder();
        File.CreateSymbolicLink(folder.File("summary.json"), "/dev/zero");
        error = Assert.Throws<CorruptFileException>(() => JsonFile.ReadObject(folder.File("summary.json"), maxBytes: 1000));
        Assert.StartsWith($"{folder.File("summary.json")}: it holds more than 1,000 bytes", error.Message);
    }

    [Fact]
    public void A_FIFO_fed_forever_is_refused_at_the_cap()
    {
        using var folder = TestFiles.TempFolder();
        string fifo = folder.File("options.json");
        Process.Start("mkfifo", [fifo])!.WaitForExit();
        using Process writer = Process.Start(new ProcessStartInfo("sh", ["-c", $"yes '{{\"a\": 1}}' > '{fifo}'"]) { RedirectStandardError = true })!;
        try
        {
            var error = Assert.Throws<CorruptFileException>(() => JsonFile.ReadText(fifo, maxBytes: 1 << 20));
            Assert.StartsWith($"{fifo}: it holds more than 1,048,576 bytes", error.Message);
        }
        finally
        {
            if (!writer.HasExited)
            {
                writer.Kill(); // yes ends on the closed pipe; this only guards a reader that never opened it
            }
        }
    }

    [Fact]
    public void Predict_input_from_dev_zero_is_refused_naming_the_file_and_the_cap()
    {
        var (exit, _, error) = Peakd("predict", "--model", "nowhere", "--input", "/dev/zero");
        Assert.Equal(1, exit);
        Assert.StartsWith("peakd predict: /dev/zero: more than 1,048,576,000 bytes, the most PeaKd reads from one data file", error);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void A_data_file_linked_to_dev_zero_is_refused_when_the_task_reads_it()
    {
        using var folder = TestFiles.TempFolder();
        TinyTask.WriteData(folder.File("data"), train: 16, dev: 16);
        File.Delete(folder.File("data/dev.tsv"));
        File.CreateSymbolicLink(folder.File("data/dev.tsv"), "/dev/zero");
        var error = Assert.Throws<DataFormatException>(() => TsvFile.Read(folder.File("data/dev.tsv"), hasHeader: true));
        Assert.Equal(folder.File("data/dev.tsv"), error.File);
        Assert.Contains($"more than {TsvFile.MaxBytes:N0} bytes", error.Message);
    }

    [Fact]
    public void A_config_that_never_ends_is_refused_by_every_command_that_reads_one()
    {
        using var folder = TestFiles.TempFolder();
        File.CreateSymbolicLink(folder.File("config.json"), "/dev/zero");
        foreach (string command in new[] { "students", "info" })
        {
            var (exit, _, error) = Peakd(command, "--config", folder.File("config.json"));
            Assert.Equal(1, exit);
            Assert.StartsWith($"peakd {command}: {folder.File("config.json")}: it holds more than 4,194,304 bytes, far more than a config.json can be", error);
        }
        var loaded = Assert.Throws<InvalidConfigException>(() => TextClassifier.Load(ModelWithEndless(folder, "config.json")));
        Assert.Equal(folder.File("model/config.json"), loaded.ConfigSource);
    }

    [Fact]
    public void A_vocabulary_or_tokenizer_config_that_never_ends_is_refused_naming_it()
    {
        using (var folder = TestFiles.TempFolder())
        {
            var (exit, _, error) = Peakd("predict", "--model", ModelWithEndless(folder, "vocab.txt"), "--device", "cpu", "tok10 tok20");
            Assert.Equal(1, exit);
            Assert.StartsWith($"peakd predict: {folder.File("model/vocab.txt")}: more than 67,108,864 bytes, far more than a BERT vocab.txt", error);
        }
        using (var folder = TestFiles.TempFolder())
        {
            string model = ModelWithEndless(folder, "vocab.txt");
            File.Delete(Path.Combine(model, "vocab.txt"));
            File.Copy(TestFiles.Fixture("tiny-bert", "vocab.txt"), Path.Combine(model, "vocab.txt"));
            File.CreateSymbolicLink(Path.Combine(model, "tokenizer_config.json"), "/dev/zero");
            var error = Assert.ThrowsAny<Exception>(() => TextClassifier.Load(model));
            Assert.True(error is DataFormatException or CorruptFileException, error.ToString());
            Assert.StartsWith($"{Path.Combine(model, "tokenizer_config.json")}: ", error.Message);
            Assert.Contains("16,777,216 bytes", error.Message);
        }
    }

    [Fact]
    public void Regular_files_read_whole_at_any_size_up_to_the_cap_and_not_one_byte_more()
    {
        using var folder = TestFiles.TempFolder();
        var random = new Random(7);
        foreach (int size in new[] { 0, 1, 4095, 4096, 4097, 100_000 })
        {
            byte[] content = new byte[size];
            random.NextBytes(content);
            string path = folder.File($"f{size}");
            File.WriteAllBytes(path, content);
            Assert.Equal(content, BoundedFile.ReadAllBytes(path, maxBytes: size, () => new InvalidDataException("too large")));
            if (size > 0)
            {
                Assert.Throws<InvalidDataException>(() => BoundedFile.ReadAllBytes(path, maxBytes: size - 1, () => new InvalidDataException("too large")));
            }
        }
        // a device reports 0 bytes: the read goes past that guess and stops at the cap, whatever it is
        foreach (int cap in new[] { 0, 1, 5000, 70_000 })
        {
            var tooLarge = Assert.Throws<InvalidDataException>(() => BoundedFile.ReadAllBytes("/dev/zero", cap, () => new InvalidDataException($"past {cap}")));
            Assert.Equal($"past {cap}", tooLarge.Message);
        }
    }
}
