using PeaKd.Modeling;
using PeaKd.Samples.Students;
using PeaKd.Students;
using PeaKd.Tests.Infrastructure;
using Xunit;
using static TorchSharp.torch;

namespace PeaKd.Tests.Students;

/// <summary>The generated students from PeaKd.Samples, built and run.</summary>
[Collection(TrainingCollection.Name)]
public class StudentModelTests
{
    private static readonly BertConfig Small = new()
    {
        VocabSize = 40, HiddenSize = 16, NumHiddenLayers = 12, NumAttentionHeads = 4, IntermediateSize = 24, MaxPositionEmbeddings = 16,
    };

    private static long CountWithoutClassifier(BertClassifier model) =>
        model.named_parameters().Where(p => !p.name.StartsWith("classifier.", StringComparison.Ordinal)).Sum(p => p.parameter.numel());

    [Theory]
    [InlineData("PeaBert1", "Bert1", 31_515_648)]
    [InlineData("PeaBert2", "Bert2", 38_603_520)]
    [InlineData("PeaBert3", "Bert3", 45_691_392)]
    [InlineData("PeaBert6", "Bert6", 66_955_008)]
    public void PeaBERT_has_exactly_BERTk_parameters_at_BERT_base(string peaBert, string bert, long expected)
    {
        using StudentModel shared = PeaKd.Samples.Students.StudentCatalog.Find(peaBert)!.Create(BertConfig.BertBase, 2);
        using StudentModel plain = PeaKd.Samples.Students.StudentCatalog.Find(bert)!.Create(BertConfig.BertBase, 2);
        Assert.Equal(expected, CountWithoutClassifier(shared));
        Assert.Equal(expected, CountWithoutClassifier(plain));
        Assert.True(shared.EffectiveDepth > plain.EffectiveDepth);
    }

    [Fact]
    public void A_student_class_names_its_descriptor_without_a_string()
    {
        // the typed way and the catalog's by-name way reach one object, which builds that class with the plan its attributes declare
        StudentDescriptor descriptor = PeaBert3.Descriptor;
        Assert.Same(PeaKd.Samples.Students.StudentCatalog.Get("PeaBert3"), descriptor);
        Assert.Equal("PeaBert3", descriptor.Name);
        Assert.Same(PeaBert3.DeclaredPlan, descriptor.Plan);
        Assert.Equal("0 1 2 0' 1' 2'", descriptor.Plan.ToString()); // PeaBert3's attributes: layers 3-5 reuse 0-2, Query and Key exchanged
        using StudentModel student = descriptor.Create(Small, 3);
        Assert.IsType<PeaBert3>(student);
        Assert.Equal(3, student.Config.NumLabels);

        // every sample's descriptor is the catalog's entry (the catalog is ordered by name)
        StudentDescriptor[] typed =
        [
            Albert12.Descriptor, Albert6.Descriptor, Bert1.Descriptor, Bert2.Descriptor, Bert3.Descriptor, Bert6.Descriptor,
            PeaBert1.Descriptor, PeaBert2.Descriptor, PeaBert2x3.Descriptor, PeaBert3.Descriptor, PeaBert6.Descriptor, SpsNoShuffle3.Descriptor,
        ];
        Assert.Equal(typed.Length, PeaKd.Samples.Students.StudentCatalog.All.Count);
        Assert.All(typed.Zip(PeaKd.Samples.Students.StudentCatalog.All), pair => Assert.Same(pair.First, pair.Second));
    }

    [Fact]
    public void A_shared_layer_registers_no_tensor_of_its_own()
    {
        using var student = new PeaBert3(Small, 2);
        string[] names = student.state_dict().Keys.ToArray();
        Assert.Equal(["0", "1", "2"], names.Where(n => n.StartsWith("bert.encoder.layer.", StringComparison.Ordinal))
            .Select(n => n.Split('.')[3]).Distinct().Order());
        var handles = student.parameters().Select(p => p.Handle).ToList();
        Assert.Equal(handles.Count, handles.Distinct().Count());
        Assert.Equal(names.Length, handles.Count);
    }

    [Fact]
    public void The_catalog_lists_every_sample_with_its_plan()
    {
        Assert.Equal(["Albert12", "Albert6", "Bert1", "Bert2", "Bert3", "Bert6", "PeaBert1", "PeaBert2", "PeaBert2x3", "PeaBert3", "PeaBert6", "SpsNoShuffle3"],
            PeaKd.Samples.Students.StudentCatalog.All.Select(s => s.Name));
        Assert.Same(PeaBert3.DeclaredPlan, PeaKd.Samples.Students.StudentCatalog.Find("peabert3")!.Plan);
        Assert.Null(PeaKd.Samples.Students.StudentCatalog.Find("PeaBert4"));

        StudentPlan peaBert6 = PeaBert6.DeclaredPlan;
        Assert.Equal("0 1 2 3 4 5 3' 4' 5'", peaBert6.ToString());
        Assert.Equal([6, 7, 8], peaBert6.ShuffledLayers);
        Assert.Equal([3, 7], peaBert6.PatientTeacherLayers!);
        Assert.Equal([2, 5], peaBert6.PatientStudentLayers!);

        Assert.Equal("0 1 2 0 1 2", SpsNoShuffle3.DeclaredPlan.ToString());
        Assert.Null(PeaBert3.DeclaredPlan.PatientTeacherLayers); // the paper's rule applies: 1, 3, 5, 7, 9 for BERT-base
        Assert.Equal([1, 3, 5, 7, 9], PeaKd.Distillation.PatientMaps.For(PeaBert3.DeclaredPlan, 12).TeacherLayers);
        Assert.Equal([1, 2, 4], PeaKd.Distillation.PatientMaps.For(PeaBert2.DeclaredPlan, 6).TeacherLayers); // a 6-layer teacher: round((i + 1) * 6 / 4) - 1
        Assert.Equal(12, Albert12.DeclaredPlan.EffectiveDepth);
        Assert.Equal(1, Albert12.DeclaredPlan.OwnedLayers);
        Assert.Equal("0 0 0 0 0 0", Albert6.DeclaredPlan.ToString());
        Assert.Equal("0 1 0' 1' 0' 1'", PeaBert2x3.DeclaredPlan.ToString());
        Assert.Equal([2, 3, 4, 5], PeaBert2x3.DeclaredPlan.ShuffledLayers);
        Assert.Null(Bert1.DeclaredPlan.PatientTeacherLayers);
    }

    [Fact]
    public void Every_instance_plan_is_the_declared_plan()
    {
        using var student = new PeaBert3(Small, 2);
        Assert.Same(PeaBert3.DeclaredPlan, student.Plan);
        using StudentModel built = PeaKd.Samples.Students.StudentCatalog.Find("PeaBert6")!.Create(Small, 2);
        Assert.Same(PeaBert6.DeclaredPlan, built.Plan);
    }

    [Fact]
    public void A_student_takes_the_teachers_sizes_and_its_own_layer_count()
    {
        using var student = new PeaBert2(Small, 5);
        Assert.Equal(2, student.Config.NumHiddenLayers);
        Assert.Equal(16, student.Config.HiddenSize);
        Assert.Equal(5, student.Config.NumLabels);
        Assert.Equal(4, student.EffectiveDepth);

        using var ids = tensor(new long[] { 2, 5, 6, 3 }).unsqueeze(0);
        using ClassifierOutput output = student.forward(ids);
        Assert.Equal(4, output.LayerOutputs.Count);
        Assert.Equal([1L, 5L], output.Logits.shape);
    }

    /// <summary>PeaBERT3 equals a plain 6-layer BERT whose layers 3..5 are copies of 0..2 with Query and Key exchanged;
    /// the gradient on an owned Query weight is the sum of the gradients at its two places in that copy.</summary>
    [Fact]
    public void PeaBert3_equals_its_unrolled_six_layer_copy_in_outputs_and_gradients()
    {
        manual_seed(2020);
        using var student = new PeaBert3(Small, 3);
        using var unrolled = new BertClassifier(Small with { NumHiddenLayers = 6, Labels = ["a", "b", "c"] });
        Dictionary<string, Tensor> owned = student.state_dict();
        using (no_grad())
        {
            foreach (Tensor parameter in owned.Values)
            {
                parameter.normal_(0, 0.3); // larger than BERT's 0.02, so every role matters in the outputs
            }
            foreach ((string name, Tensor target) in unrolled.state_dict())
            {
                target.copy_(owned[UnrolledSource(name)]);
            }
        }
        student.eval();
        unrolled.eval();

        using var ids = tensor(new long[,] { { 2, 7, 8, 9, 3, 0 }, { 2, 11, 3, 12, 13, 3 } });
        using var mask = tensor(new long[,] { { 1, 1, 1, 1, 1, 0 }, { 1, 1, 1, 1, 1, 1 } });
        using var types = tensor(new long[,] { { 0, 0, 0, 0, 0, 0 }, { 0, 0, 0, 1, 1, 1 } });
        using ClassifierOutput shared = student.forward(ids, mask, types);
        using ClassifierOutput copy = unrolled.forward(ids, mask, types);
        for (int layer = 0; layer < 6; layer++)
        {
            TensorAssert.Close(copy.LayerOutputs[layer], shared.LayerOutputs[layer], 1e-6, $"effective layer {layer}");
        }
        TensorAssert.Close(copy.Logits, shared.Logits, 1e-6, "logits");

        using Tensor studentLoss = shared.Logits.pow(2).sum();
        using Tensor copyLoss = copy.Logits.pow(2).sum();
        studentLoss.backward();
        copyLoss.backward();

        Tensor Grad(BertClassifier model, string name) => model.named_parameters().Single(p => p.name == name).parameter.grad!;
        using Tensor expected = Grad(unrolled, "bert.encoder.layer.0.attention.self.query.weight") + Grad(unrolled, "bert.encoder.layer.3.attention.self.key.weight");
        TensorAssert.Close(expected, Grad(student, "bert.encoder.layer.0.attention.self.query.weight"), 1e-6, "query weight gradient");
        Assert.True(Grad(unrolled, "bert.encoder.layer.3.attention.self.key.weight").abs().sum().item<float>() > 0, "the upper use must contribute");
        using Tensor valueExpected = Grad(unrolled, "bert.encoder.layer.1.attention.self.value.weight") + Grad(unrolled, "bert.encoder.layer.4.attention.self.value.weight");
        TensorAssert.Close(valueExpected, Grad(student, "bert.encoder.layer.1.attention.self.value.weight"), 1e-6, "value weight gradient");
    }

    /// <summary>The PeaBERT3 tensor that unrolled layer N (3..5) copies: layer N-3, with query and key exchanged.</summary>
    private static string UnrolledSource(string name)
    {
        const string prefix = "bert.encoder.layer.";
        if (!name.StartsWith(prefix, StringComparison.Ordinal))
        {
            return name;
        }
        string[] parts = name.Split('.');
        int layer = int.Parse(parts[3]);
        if (layer < 3)
        {
            return name;
        }
        parts[3] = (layer - 3).ToString();
        if (parts[5] == "self")
        {
            parts[6] = parts[6] switch { "query" => "key", "key" => "query", _ => parts[6] };
        }
        return string.Join('.', parts);
    }

    [Fact]
    public void Pinned_sizes_must_match_the_config()
    {
        var plan = new StudentPlan("Pinned", 1, [new LayerUse(0, Shuffle.None)], hidden: 384);
        var error = Assert.Throws<InvalidConfigException>(() => StudentModel.StudentConfig(BertConfig.BertBase, 2, plan));
        Assert.Contains("student Pinned pins Hidden = 384 but the config has hidden_size 768", error.Message);
        Assert.Equal(384, StudentModel.StudentConfig(BertConfig.BertBase with { HiddenSize = 384 }, 2, plan).HiddenSize);
    }
}
