using Onnx;
using PeaKd.Checkpoints;
using PeaKd.Checkpoints.Onnx;
using PeaKd.Data;
using PeaKd.Data.Tokenization;
using PeaKd.Data.Tasks;
using PeaKd.Devices;
using PeaKd.Distillation;
using PeaKd.Export;
using PeaKd.Folders;
using PeaKd.Inference;
using PeaKd.Modeling;
using PeaKd.Options;
using PeaKd.Students;
using PeaKd.Tests.Infrastructure;
using PeaKd.Training;
using Xunit;

namespace PeaKd.Tests.Deployment;

/// <summary>TextClassifier and <c>peakd predict</c> on an ONNX export: ONNX Runtime gives TorchSharp's labels and
/// probabilities.</summary>
[Collection(TrainingCollection.Name)]
public class OnnxServingTests(OnnxServingTests.Trained trained, Xunit.Abstractions.ITestOutputHelper log) : IClassFixture<OnnxServingTests.Trained>
{
    /// <summary>A PeaBERT student trained on the tiny task, exported in fp32 and int8.</summary>
    public sealed class Trained : IDisposable
    {
        public Trained()
        {
            TinyTask.WriteData(Folder.File("data"));
            TinyTask.WriteRandomTeacher(Folder.File("pretrained"));
            var training = new TrainingOptions { Epochs = 6, BatchSize = 16, LearningRate = 1e-3, Seed = 7 };
            PeaKdPipeline.Run(TinyTask.Pipeline(Folder, training) with { Ptp = false });
            ModelExport.ToOnnx(Folder.File("run"), Folder.File("fp32"));
            ModelExport.ToOnnx(Folder.File("run"), Folder.File("int8"), OnnxQuantization.Int8);
            Texts = File.ReadAllLines(Folder.File("data/dev.tsv")).Skip(1).Select(r => r.Split('\t')[0]).ToArray();
        }

        internal TempFolder Folder { get; } = TestFiles.TempFolder();
        public string[] Texts { get; }
        public void Dispose() => Folder.Dispose();
    }

    [Fact]
    public void The_export_predicts_what_the_student_predicts()
    {
        using TextClassifier torch = TextClassifier.Load(trained.Folder.File("run"));
        using TextClassifier onnx = TextClassifier.Load(trained.Folder.File("fp32"));
        Assert.Equal(("TorchSharp", "ONNX Runtime"), (torch.Engine, onnx.Engine));
        Assert.Equal(torch.Labels, onnx.Labels);
        Assert.Equal(torch.MaxLength, onnx.MaxLength);
        var expected = torch.PredictBatch(trained.Texts);
        var actual = onnx.PredictBatch(trained.Texts);
        double worst = 0;
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Label, actual[i].Label);
            foreach ((string label, double probability) in expected[i].Probabilities)
            {
                worst = Math.Max(worst, Math.Abs(probability - actual[i].Probabilities[label]));
            }
        }
        log.WriteLine($"{expected.Count} texts: the same labels; probabilities within {worst:G3}");
        Assert.True(worst < 1e-6, $"probabilities differ by {worst}");
        Assert.Equal(onnx.Predict(trained.Texts[3]).Probability, actual[3].Probability, 6); // one at a time = batched

        DataSource data = DataSource.Files(TaskRegistry.Tsv(), trained.Folder.File("data"));
        Assert.Equal(torch.Evaluate(data, "test").Metrics, onnx.Evaluate(data, "test").Metrics);
    }

    [Fact]
    public void The_int8_export_agrees_with_fp32()
    {
        using TextClassifier fp32 = TextClassifier.Load(trained.Folder.File("fp32"));
        using TextClassifier int8 = TextClassifier.Load(trained.Folder.File("int8"));
        double agreement = fp32.PredictBatch(trained.Texts).Zip(int8.PredictBatch(trained.Texts)).Average(p => p.First.Label == p.Second.Label ? 1.0 : 0.0);
        log.WriteLine($"int8 agrees with fp32 on {agreement:P1} of {trained.Texts.Length} dev texts");
        Assert.True(agreement >= 0.95);
    }

    [Fact]
    public void The_int8_logits_follow_fp32s_with_padding_and_shuffled_layers()
    {
        // Int8 computes attention with ONNX Runtime's QAttention: its concatenated Q|K|V weights (K|Q|V where shuffled) and
        // its mask. Batches of texts of different lengths bring padding. Two control exports, each with one mistake
        // int8's rounding could hide, must land far further from fp32 than the real one: every layer left unshuffled,
        // and QAttention without its mask (attending to the padding).
        string student = ModelFolder.Locate(trained.Folder.File("run"));
        StudentDescription description = StudentFolder.Read(student)!;
        Assert.Contains(description.Layers, l => l.Shuffle == Shuffle.QueryKey);
        BertConfig config = BertConfig.Load(Path.Combine(student, ModelFiles.Config));
        Dictionary<string, TorchSharp.torch.Tensor> weights = WeightsFile.Read(Path.Combine(student, ModelFiles.Safetensors));
        ModelProto unshuffled = OnnxExporter.Build(config, weights, description.Layers.Select(l => l with { Shuffle = Shuffle.None }).ToArray(), OnnxQuantization.Int8);
        ModelProto unmasked = OnnxExporter.Build(config, weights, description.Layers, OnnxQuantization.Int8);
        foreach (TorchSharp.torch.Tensor tensor in weights.Values)
        {
            tensor.Dispose();
        }
        foreach (NodeProto attention in unmasked.Graph.Node.Where(n => n.OpType == "QAttention"))
        {
            attention.Input[5] = ""; // mask_index, an optional input
        }

        var texts = trained.Texts.Select(t => (t, (string?)null)).ToArray();
        var encoder = BertTextEncoder.FromModelFolder(trained.Folder.File("int8"));
        Assert.True(texts.Select(t => encoder.Encode(t.t, null, 64).InputIds.Length).Distinct().Count() > 1, "texts of several token lengths, so batches are padded");
        using TextClassifier fp32 = TextClassifier.Load(trained.Folder.File("fp32"));
        float[][] reference = fp32.Logits(texts);
        double Distance(string folder, ModelProto? model = null)
        {
            if (model is not null)
            {
                CopyExport(trained.Folder.File("int8"), folder);
                OnnxExporter.Write(model, Path.Combine(folder, ModelExport.OnnxFileName));
            }
            using TextClassifier classifier = TextClassifier.Load(folder);
            return LogitDistance.Relative(classifier.Logits(texts), reference);
        }
        double int8 = Distance(trained.Folder.File("int8"));
        double noShuffle = Distance(trained.Folder.File("int8-unshuffled"), unshuffled), noMask = Distance(trained.Folder.File("int8-unmasked"), unmasked);
        log.WriteLine($"largest logit difference from fp32, over its largest logit: int8 {int8:P2}; controls: Query and Key unshuffled {noShuffle:P2}, no mask {noMask:P2}");
        Assert.True(int8 < 0.1, $"int8 logits differ from fp32's by {int8:P2} of the largest logit");
        Assert.True(noShuffle > 3 * int8, $"the unshuffled control ({noShuffle:P2}) is not clearly worse than the export ({int8:P2})");
        Assert.True(noMask > 3 * int8, $"the unmasked control ({noMask:P2}) is not clearly worse than the export ({int8:P2})");
    }

    /// <summary>An export's config and tokenizer files, for a control model.onnx beside them.</summary>
    private static void CopyExport(string from, string to)
    {
        Directory.CreateDirectory(to);
        // a hand-edited graph is no longer the export PeaKd sealed: the copy is a folder from elsewhere, without a manifest
        foreach (string file in Directory.GetFiles(from).Where(f => Path.GetFileName(f) is not (ModelExport.OnnxFileName or PeaKd.Folders.FolderManifest.FileName)))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
        }
    }

    [Fact]
    public void Peakd_predict_serves_the_export_with_the_students_answers()
    {
        var fromRun = PeakdProcess.Run(["predict", "--model", trained.Folder.File("run"), trained.Texts[0], trained.Texts[1]]);
        var fromOnnx = PeakdProcess.Run(["predict", "--model", trained.Folder.File("fp32"), trained.Texts[0], trained.Texts[1]]);
        Assert.True(fromOnnx.Exit == 0, fromOnnx.Output);
        string[] Answers(string output) => output.Split('\n').Where(l => l.Contains('\t')).Select(l => l.Split('\t')[0]).ToArray();
        Assert.Equal(2, Answers(fromOnnx.Output).Length);
        Assert.Equal(Answers(fromRun.Output), Answers(fromOnnx.Output));
    }

    [Fact]
    public void An_export_refuses_the_GPU_and_bf16_naming_the_property()
    {
        var device = Assert.Throws<InvalidOptionException>(() => TextClassifier.Load(trained.Folder.File("fp32"), new TextClassifierOptions { Device = DeviceChoice.Cuda }));
        Assert.Equal("TextClassifierOptions.Device", device.Property);
        Assert.Contains("runs on the CPU with ONNX Runtime", device.Message);
        var precision = Assert.Throws<InvalidOptionException>(() => TextClassifier.Load(trained.Folder.File("fp32"), new TextClassifierOptions { Precision = PeaKd.Precision.PrecisionChoice.Bf16 }));
        Assert.Equal("TextClassifierOptions.Precision", precision.Property);
    }
}
