using PeaKd.Checkpoints;
using PeaKd.Distillation;
using PeaKd.Modeling;
using static TorchSharp.torch;

namespace PeaKd.Students;

/// <summary>Reads model folders that may hold a student (student.json names it) or a plain BERT, and exports
/// students as plain BERTs.</summary>
public static class StudentFolder
{
    public const string DescriptionFile = "student.json";

    /// <summary>The student name recorded in <paramref name="folder"/>, or null for a plain BERT folder.</summary>
    public static string? StudentName(string folder)
    {
        string path = Path.Combine(folder, DescriptionFile);
        if (!File.Exists(path))
        {
            return null;
        }
        return JsonFile.GetString(JsonFile.ReadObject(path), "student", path)
            ?? throw new CorruptFileException(path, "no \"student\" name.", "field 'student'");
    }

    /// <summary>Loads a model folder: a student through <paramref name="findStudent"/> (the app's catalog), else a plain BERT.</summary>
    public static BertClassifier Load(string folder, Func<string, StudentDescriptor?> findStudent)
    {
        if (StudentName(folder) is not string name)
        {
            LoadedCheckpoint plain = HfCheckpoint.Load(folder);
            if (plain.Report.FreshClassifier)
            {
                plain.Dispose();
                throw new ArgumentException($"{folder}: the model has no trained classifier; fine-tune or distill it first.");
            }
            return plain.Model;
        }
        StudentDescriptor descriptor = findStudent(name)
            ?? throw new ArgumentException($"{folder}: student '{name}' is not declared in this program; it knows the students listed by 'peakd students'.");
        BertConfig config = BertConfig.Load(Path.Combine(folder, HfCheckpoint.ConfigFileName));
        StudentModel student = descriptor.Create(config, config.NumLabels);
        try
        {
            StateDictLoader.LoadFile(student, Path.Combine(folder, HfCheckpoint.SafetensorsFileName), allowFreshClassifier: false);
            return student;
        }
        catch
        {
            student.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The student as a plain BERT with one layer per effective layer: shared layers become copies of their
    /// owner, with the Query and Key projections exchanged where the plan shuffles them. Any BERT runtime can
    /// serve the result, and it computes exactly what the student computes.
    /// </summary>
    public static BertClassifier Unroll(StudentModel student)
    {
        StudentPlan plan = student.Plan;
        var unrolled = new BertClassifier(student.Config with { NumHiddenLayers = plan.EffectiveDepth });
        StudentInitializer.Copy(student.Bert.Embeddings, unrolled.Bert.Embeddings, "embeddings");
        StudentInitializer.Copy(student.Bert.Pooler, unrolled.Bert.Pooler, "pooler");
        StudentInitializer.Copy(student.Classifier, unrolled.Classifier, "classifier");
        for (int i = 0; i < plan.EffectiveDepth; i++)
        {
            LayerUse use = plan.Layers[i];
            BertLayer target = unrolled.Bert.Encoder.Layer[i];
            StudentInitializer.Copy(student.Bert.Encoder.Layer[use.Owner], target, $"layer {use.Owner}");
            if (use.Shuffle == Shuffle.QueryKey)
            {
                BertLayer owner = student.Bert.Encoder.Layer[use.Owner];
                StudentInitializer.Copy(owner.Attention.Self.Key, target.Attention.Self.Query, $"layer {use.Owner} key");
                StudentInitializer.Copy(owner.Attention.Self.Query, target.Attention.Self.Key, $"layer {use.Owner} query");
            }
        }
        return unrolled;
    }
}
