using PeaKd.IO;
using PeaKd.Modeling;
using PeaKd.Students;
using PeaKd.Tests.Infrastructure;
using Xunit;
using static TorchSharp.torch;

namespace PeaKd.Tests.Students;

/// <summary>
/// Unrolling (the export, and how TextClassifier runs a student folder) tensor by tensor: each unrolled layer must
/// hold exactly its owner's tensors, Query and Key exchanged where the plan shuffles. The owners are written out by
/// hand below, from the students' declarations, not from their plans.
/// </summary>
[Collection(TrainingCollection.Name)]
public class UnrollTests
{
    private static readonly BertConfig Small = new()
    {
        VocabSize = 40, HiddenSize = 16, NumHiddenLayers = 12, NumAttentionHeads = 4, IntermediateSize = 24, MaxPositionEmbeddings = 16,
    };

    /// <summary>PeaBert6: [Student(6), Sps(Of = { 3, 4, 5 })]: layers 6, 7, 8 are 3, 4, 5 with Query and Key exchanged.</summary>
    private static readonly (int Owner, bool Swapped)[] PeaBert6Layers =
        [(0, false), (1, false), (2, false), (3, false), (4, false), (5, false), (3, true), (4, true), (5, true)];

    /// <summary>Albert12: one owned layer run 12 times, never shuffled.</summary>
    private static readonly (int Owner, bool Swapped)[] Albert12Layers = Enumerable.Repeat((0, false), 12).ToArray();

    public static TheoryData<string> Students => new() { "PeaBert6", "Albert12" };

    [Theory]
    [MemberData(nameof(Students))]
    public void Every_unrolled_tensor_is_its_owners(string name)
    {
        (int Owner, bool Swapped)[] expected = name == "PeaBert6" ? PeaBert6Layers : Albert12Layers;
        using StudentModel student = RandomStudent(name);
        using BertClassifier unrolled = StudentFolder.Unroll(student);

        Assert.Equal(expected.Length, unrolled.Config.NumHiddenLayers);
        AssertHoldsOwners(student, unrolled, expected);
        AssertComputesTheSame(student, unrolled);
    }

    [Theory]
    [MemberData(nameof(Students))]
    public void A_saved_student_folder_loads_unrolled_without_its_class(string name)
    {
        (int Owner, bool Swapped)[] expected = name == "PeaBert6" ? PeaBert6Layers : Albert12Layers;
        using TempFolder folder = TestFiles.TempFolder();
        using StudentModel student = RandomStudent(name);
        PeaKd.Checkpoints.WeightsFile.WriteSafetensors(folder.File("model.safetensors"), student.state_dict());
        student.Config.Save(folder.File("config.json"));
        File.WriteAllText(folder.File("student.json"),
            $"{{\"student\": \"{name}\", \"plan\": \"{student.Plan}\", \"owned_layers\": {student.Plan.OwnedLayers}, \"effective_depth\": {student.Plan.EffectiveDepth}}}");

        using BertClassifier loaded = StudentFolder.Load(folder.Path); // a plain BERT: no catalog, no generated class
        Assert.IsNotAssignableFrom<StudentModel>(loaded);
        AssertHoldsOwners(student, loaded, expected);
        AssertComputesTheSame(student, loaded);
    }

    [Theory]
    [InlineData("0 1 0'", 1, "names '1', which is not one of the 1 owned layers")]
    [InlineData("0 x", 1, "names 'x'")]
    [InlineData("1 0", 2, "must start with the 2 owned layers in order")]
    [InlineData("0'", 1, "must start with the 1 owned layers in order")]
    public void A_damaged_plan_is_an_error_naming_the_file(string plan, int owned, string message)
    {
        var error = Assert.Throws<CorruptFileException>(() => StudentFolder.ParsePlan(plan, owned, "student.json"));
        Assert.StartsWith("student.json", error.Message);
        Assert.Contains(message, error.Message);
    }

    private static StudentModel RandomStudent(string name)
    {
        manual_seed(name.Length);
        StudentModel student = PeaKd.Samples.Students.StudentCatalog.Get(name).Create(Small, 3);
        using (no_grad())
        {
            foreach (Tensor parameter in student.parameters())
            {
                parameter.normal_(0, 0.3); // every role matters in the outputs, and Query and Key differ
            }
        }
        return student;
    }

    private static void AssertHoldsOwners(StudentModel student, BertClassifier unrolled, (int Owner, bool Swapped)[] layers)
    {
        Dictionary<string, Tensor> source = student.state_dict(), target = unrolled.state_dict();
        int checkedTensors = 0;
        foreach ((string key, Tensor value) in target)
        {
            string from = key;
            string[] parts = key.Split('.');
            if (key.StartsWith("bert.encoder.layer.", StringComparison.Ordinal))
            {
                (int owner, bool swapped) = layers[int.Parse(parts[3])];
                parts[3] = owner.ToString();
                if (swapped && parts[4] == "attention" && parts[5] == "self" && parts[6] is "query" or "key")
                {
                    parts[6] = parts[6] == "query" ? "key" : "query";
                }
                from = string.Join('.', parts);
            }
            Assert.True(value.equal(source[from]).all().item<bool>(), $"{key} is not {from}");
            checkedTensors++;
        }
        Assert.Equal(16 * layers.Length + 5 + 2 + 2, checkedTensors); // 16 per layer, embeddings, pooler, classifier
    }

    private static void AssertComputesTheSame(StudentModel student, BertClassifier unrolled)
    {
        student.eval();
        unrolled.eval();
        using var ids = tensor(new long[,] { { 2, 7, 8, 9, 3, 0 }, { 2, 11, 3, 12, 13, 3 } });
        using var mask = tensor(new long[,] { { 1, 1, 1, 1, 1, 0 }, { 1, 1, 1, 1, 1, 1 } });
        using var types = tensor(new long[,] { { 0, 0, 0, 0, 0, 0 }, { 0, 0, 0, 1, 1, 1 } });
        using var noGrad = no_grad();
        using ClassifierOutput a = student.forward(ids, mask, types);
        using ClassifierOutput b = unrolled.forward(ids, mask, types);
        Assert.True(a.Logits.equal(b.Logits).all().item<bool>(), "the unrolled model must compute exactly what the student computes");
    }
}
