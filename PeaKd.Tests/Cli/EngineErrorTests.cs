using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using PeaKd.IO;
using PeaKd.Inference;
using PeaKd.Samples.Cli;
using PeaKd.Tests.Infrastructure;
using PeaKd.Tests.Reliability;
using Xunit;

namespace PeaKd.Tests.Cli;

/// <summary>Failures inside ONNX Runtime, libtorch or of memory reach a CLI user as one line (the engine's first line
/// and what to do) and exit 1; the stack trace only with --verbose.</summary>
[Collection(TrainingCollection.Name)]
public class EngineErrorTests
{
    private static (int Exit, string Out, string Error) Peakd(params string[] args) => ConsoleCapture.Run(() => PeakdCli.Run(args));

    /// <summary>An ONNX export folder (config.json, vocab.txt) whose model.onnx holds <paramref name="onnx"/>.</summary>
    private static string Export(TempFolder folder, string name, byte[] onnx)
    {
        string export = folder.File(name);
        Directory.CreateDirectory(export);
        File.Copy(TestFiles.Fixture("tiny-bert", "config.json"), Path.Combine(export, "config.json"));
        File.Copy(TestFiles.Fixture("tiny-bert", "vocab.txt"), Path.Combine(export, "vocab.txt"));
        File.WriteAllBytes(Path.Combine(export, "model.onnx"), onnx);
        return export;
    }

    private static void AssertOneLine(string error)
    {
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("   at ", error);
    }

    public static TheoryData<string> DamagedModels => new() { "random bytes", "cut short", "empty" };

    [Theory]
    [MemberData(nameof(DamagedModels))]
    public void A_damaged_model_onnx_is_one_line_naming_the_file(string damage)
    {
        using var folder = TestFiles.TempFolder();
        byte[] model = TinyOnnxBert.Build();
        byte[] onnx = damage switch
        {
            "random bytes" => new byte[4096].Select((_, i) => (byte)(i * 7919 % 251)).ToArray(),
            "cut short" => model[..(model.Length / 3)],
            _ => [],
        };
        string export = Export(folder, "export", onnx);
        string file = Path.Combine(export, "model.onnx");

        var loaded = Assert.Throws<CorruptFileException>(() => TextClassifier.Load(export));
        Assert.Equal(file, loaded.File);
        Assert.IsType<Microsoft.ML.OnnxRuntime.OnnxRuntimeException>(loaded.InnerException);

        var (exit, output, error) = Peakd("predict", "--model", export, "tok10 tok20");
        Assert.Equal(1, exit);
        Assert.Equal("", output);
        Assert.StartsWith($"peakd predict: {file}: ONNX Runtime cannot load it (", error);
        Assert.EndsWith("The file is damaged, cut short or not an ONNX model; export the model again (peakd export --format onnx).", error.Trim());
        AssertOneLine(error);

        var verbose = Peakd("predict", "--model", export, "--verbose", "tok10 tok20");
        Assert.Equal(1, verbose.Exit);
        Assert.Contains("   at ", verbose.Error); // --verbose keeps the stack trace
    }

    [Fact]
    public void An_ONNX_model_with_other_inputs_is_one_line_from_ONNX_Runtime()
    {
        // a valid model, but not a PeaKd export: one input x and no input_ids
        var graph = new GraphProto { Name = "identity" };
        graph.Input.Add(Tensor("x"));
        graph.Output.Add(Tensor("logits"));
        graph.Node.Add(new NodeProto { OpType = "Identity", Name = "identity", Input = { "x" }, Output = { "logits" } });
        var model = new ModelProto { IrVersion = 7, ProducerName = "PeaKd.Tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Version = 13 });
        using var folder = TestFiles.TempFolder();
        string export = Export(folder, "identity", model.ToByteArray());

        var (exit, output, error) = Peakd("predict", "--model", export, "tok10 tok20");
        Assert.Equal(1, exit);
        Assert.Equal("", output);
        Assert.StartsWith("peakd predict: ONNX Runtime failed: ", error);
        Assert.Contains("input_ids", error);
        Assert.EndsWith("export it again with peakd export --format onnx.", error.Trim());
        AssertOneLine(error);

        static ValueInfoProto Tensor(string name) => new()
        {
            Name = name,
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = new TensorShapeProto { Dim = { new TensorShapeProto.Types.Dimension { DimValue = 3 } } } },
            },
        };
    }

    [Fact]
    public void A_vocabulary_past_the_embedding_table_is_refused_in_one_line_naming_it_before_libtorch_sees_a_token()
    {
        using var folder = TestFiles.TempFolder();
        string model = folder.File("model");
        Directory.CreateDirectory(model);
        foreach (string name in new[] { "config.json", "model.safetensors", "vocab.txt" })
        {
            File.Copy(TestFiles.Fixture("tiny-bert", name), Path.Combine(model, name));
        }
        // a vocab.txt longer than the model's vocab_size (50): zz2 gets id 52, past the embedding table
        File.AppendAllLines(Path.Combine(model, "vocab.txt"), ["zz0", "zz1", "zz2"]);

        var (exit, output, error) = Peakd("predict", "--model", model, "--device", "cpu", "tok10 zz2");
        Assert.Equal(1, exit);
        Assert.Equal("", output);
        // once libtorch's "index out of range in self"; now the folder's files are checked against each other first
        Assert.StartsWith($"peakd predict: {Path.Combine(model, "vocab.txt")}: 53 tokens, more than the model's vocab_size 50", error);
        AssertOneLine(error);
    }

    public static TheoryData<Exception, string> EngineFailures => new()
    {
        { new OutOfMemoryException(), "peakd evaluate: out of memory: the model or a batch is too large for this machine's memory; use a smaller --batch-size or --max-length, or a machine with more memory." },
        { new ExternalException("CUDA out of memory. Tried to allocate 2.00 GiB\nException raised from malloc at CUDACachingAllocator.cpp:1\nframe #0: c10::Error"),
            "peakd evaluate: CUDA out of memory. Tried to allocate 2.00 GiB: the model or a batch is too large for the device's memory; use a smaller --batch-size or --max-length, or a machine with more memory (or --device cpu)." },
        { new ExternalException("shape '[2, 7]' is invalid for input of size 9\nException raised from infer_size_impl at InferSize.h:1"), "peakd evaluate: libtorch failed: shape '[2, 7]' is invalid for input of size 9. Run with --verbose for the details." },
        { new KeyNotFoundException("The given key 'p_x' was not present in the dictionary."), "peakd evaluate: The given key 'p_x' was not present in the dictionary. Run with --verbose for the details." },
        { new InvalidOperationException("The teacher record has 3 training examples but the data has 4; it belongs to other data.\nsecond line"), "peakd evaluate: The teacher record has 3 training examples but the data has 4; it belongs to other data." },
    };

    [Theory]
    [MemberData(nameof(EngineFailures))]
    public void Engine_and_memory_failures_are_one_line_and_exit_1(Exception failure, string message)
    {
        bool verbose = CommandRunner.Verbose;
        CommandRunner.Verbose = false;
        try
        {
            var (exit, _, error) = ConsoleCapture.Run(() => CommandRunner.Run("evaluate", FlagNames.None, () => throw failure));
            Assert.Equal(1, exit);
            Assert.Equal(message, error.Trim());
        }
        finally
        {
            CommandRunner.Verbose = verbose;
        }
    }

    [Fact]
    public void A_bug_keeps_its_stack_trace()
    {
        // anything else is not the user's to fix: it is not turned into a one-line message
        Assert.Throws<NullReferenceException>(() => CommandRunner.Run("evaluate", FlagNames.None, () => throw new NullReferenceException()));
    }
}
