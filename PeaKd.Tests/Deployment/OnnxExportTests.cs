using Microsoft.ML.OnnxRuntime;
using Onnx;
using PeaKd.Checkpoints;
using PeaKd.Modeling;
using PeaKd.Students;
using PeaKd.Tests.Infrastructure;
using Xunit;
using static TorchSharp.torch;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<long>;

namespace PeaKd.Tests.Deployment;

/// <summary>ONNX export: ONNX Runtime (a peer runtime) computes the student's own logits, and shared layers store
/// their owner's tensors once.</summary>
public class OnnxExportTests(Xunit.Abstractions.ITestOutputHelper log)
{
    private static readonly BertConfig Small = new()
    {
        VocabSize = 40, HiddenSize = 16, NumHiddenLayers = 12, NumAttentionHeads = 4, IntermediateSize = 24, MaxPositionEmbeddings = 16,
        Labels = ["great", "fine", "other"],
    };

    public static TheoryData<string> Students => new() { "Bert2", "PeaBert2", "PeaBert6", "Albert12", "SpsNoShuffle3" };

    [Theory]
    [MemberData(nameof(Students))]
    public void ONNX_Runtime_computes_the_students_logits_from_its_owned_tensors_stored_once(string name)
    {
        using TempFolder folder = TestFiles.TempFolder();
        using StudentModel student = SavedStudent(name, folder.File("student"));
        ExportedModel exported = ModelExport.ToOnnx(folder.File("student"), folder.File("onnx"));
        Assert.Equal(student.Plan.EffectiveDepth, exported.Layers);
        Assert.Equal(ParameterCount.Backbone(Small, student.Plan.OwnedLayers), exported.Parameters);

        // each owned layer's 16 tensors once, no layer beyond the owned ones
        ModelProto model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(folder.File("onnx/model.onnx")));
        string[] layerTensors = model.Graph.Initializer.Select(i => i.Name).Where(n => n.StartsWith("bert.encoder.layer.", StringComparison.Ordinal)).ToArray();
        Assert.Equal(16 * student.Plan.OwnedLayers, layerTensors.Length);
        Assert.Equal(layerTensors.Length, layerTensors.Distinct().Count());
        Assert.Equal(Enumerable.Range(0, student.Plan.OwnedLayers), layerTensors.Select(n => int.Parse(n.Split('.')[3])).Distinct().Order());
        Assert.Equal(["attention_mask", "input_ids", "token_type_ids"], model.Graph.Input.Select(i => i.Name).Order());
        Assert.Equal("logits", Assert.Single(model.Graph.Output).Name);
        Assert.Equal(Small.Labels, BertConfig.Load(folder.File("onnx/config.json")).Labels);

        using var session = new InferenceSession(folder.File("onnx/model.onnx"));
        double worst = 0;
        foreach ((int rows, int length) in new[] { (1, 5), (3, 12) })
        {
            (long[,] ids, long[,] mask, long[,] types) = Batch(rows, length, seed: rows * 31 + length);
            float[] expected;
            student.eval();
            using (no_grad())
            using (Tensor i = tensor(ids), m = tensor(mask), t = tensor(types))
            using (ClassifierOutput output = student.forward(i, m, t))
            {
                expected = output.Logits.data<float>().ToArray();
            }
            var inputs = new List<NamedOnnxValue>
            {
                NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor(Flat(ids), [rows, length])),
                NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor(Flat(mask), [rows, length])),
                NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor(Flat(types), [rows, length])),
            };
            using var results = session.Run(inputs, ["logits"]);
            float[] actual = results.Single().AsTensor<float>().ToArray();
            Assert.Equal(rows * Small.NumLabels, actual.Length);
            double difference = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
            worst = Math.Max(worst, difference);
            Assert.True(difference < 1e-4, $"{name}, batch {rows} x {length}: ONNX Runtime differs from TorchSharp by {difference}");
        }
        log.WriteLine($"{name} ({student.Plan}): {new FileInfo(folder.File("onnx/model.onnx")).Length:N0} bytes, largest logit difference {worst:G3}");
    }

    [Fact]
    public void The_SPS_file_is_the_size_of_the_plain_one()
    {
        // at MiniLM's width (hidden 384, FFN 1536, 12 heads), with a smaller vocabulary to keep the test light
        BertConfig wide = Small with { VocabSize = 4000, HiddenSize = 384, NumAttentionHeads = 12, IntermediateSize = 1536, MaxPositionEmbeddings = 128 };
        using TempFolder folder = TestFiles.TempFolder();
        using (SavedStudent("Bert2", folder.File("bert2"), wide)) { }
        using (SavedStudent("PeaBert2", folder.File("peabert2"), wide)) { }
        ModelExport.ToOnnx(folder.File("bert2"), folder.File("bert2-onnx"));
        ModelExport.ToOnnx(folder.File("peabert2"), folder.File("peabert2-onnx"));
        long plain = new FileInfo(folder.File("bert2-onnx/model.onnx")).Length, shared = new FileInfo(folder.File("peabert2-onnx/model.onnx")).Length;
        static long InitializerBytes(string path) => ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)).Graph.Initializer.Sum(i => (long)i.RawData.Length);
        log.WriteLine($"BERT-2 {plain:N0} bytes, PeaBERT-2 {shared:N0} bytes ({(double)shared / plain:F4}x)");
        Assert.Equal(InitializerBytes(folder.File("bert2-onnx/model.onnx")), InitializerBytes(folder.File("peabert2-onnx/model.onnx"))); // the same tensors
        Assert.InRange((double)shared / plain, 1.0, 1.05); // only the two extra layers' nodes
    }

    [Fact]
    public void A_folder_without_a_model_is_refused()
    {
        using TempFolder folder = TestFiles.TempFolder();
        var error = Assert.Throws<FileNotFoundException>(() => ModelExport.ToOnnx(folder.Path, folder.File("out")));
        Assert.Contains("no model here", error.Message);
        Assert.False(Directory.Exists(folder.File("out")));
    }

    private static StudentModel SavedStudent(string name, string folder, BertConfig? config = null)
    {
        manual_seed(name.Length);
        StudentModel student = PeaKd.Samples.Students.StudentCatalog.Get(name).Create(config ?? Small, Small.NumLabels);
        using (no_grad())
        {
            foreach (Tensor parameter in student.parameters())
            {
                parameter.normal_(0, 0.3); // every role matters in the outputs, and Query and Key differ
            }
        }
        Directory.CreateDirectory(folder);
        WeightsFile.WriteSafetensors(Path.Combine(folder, "model.safetensors"), student.state_dict());
        student.Config.Save(Path.Combine(folder, "config.json"));
        File.WriteAllText(Path.Combine(folder, "student.json"),
            $"{{\"student\": \"{name}\", \"plan\": \"{student.Plan}\", \"owned_layers\": {student.Plan.OwnedLayers}, \"effective_depth\": {student.Plan.EffectiveDepth}}}");
        return student;
    }

    /// <summary>Random ids, the later rows padded at the end, pair segments in the second half.</summary>
    private static (long[,] Ids, long[,] Mask, long[,] Types) Batch(int rows, int length, int seed)
    {
        var random = new Random(seed);
        var (ids, mask, types) = (new long[rows, length], new long[rows, length], new long[rows, length]);
        for (int r = 0; r < rows; r++)
        {
            int used = length - r * 2;
            for (int c = 0; c < length; c++)
            {
                bool token = c < used;
                ids[r, c] = token ? random.Next(1, Small.VocabSize) : 0;
                mask[r, c] = token ? 1 : 0;
                types[r, c] = token && c >= used / 2 ? 1 : 0;
            }
        }
        return (ids, mask, types);
    }

    private static long[] Flat(long[,] values) => values.Cast<long>().ToArray();
}
