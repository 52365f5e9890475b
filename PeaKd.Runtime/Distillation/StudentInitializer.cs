using PeaKd.Modeling;
using PeaKd.Students;

namespace PeaKd.Distillation;

/// <summary>Starts a student from a model of its width (the pretrained model or the teacher): embeddings, pooler and
/// chosen layers (default the first k).</summary>
internal static class StudentInitializer
{
    /// <param name="student">The student to fill.</param>
    /// <param name="source">The model it starts from (same hidden and FFN sizes).</param>
    /// <param name="sourceName">The source in messages: "pretrained model" or "teacher".</param>
    /// <param name="sourceLayers">The source layer copied into each owned layer (checked against both models by the
    /// options); null for 0 .. k-1.</param>
    public static void From(StudentModel student, BertClassifier source, string sourceName, IReadOnlyList<int>? sourceLayers = null)
    {
        int owned = student.Plan.OwnedLayers;
        IReadOnlyList<int> layers = sourceLayers ?? Enumerable.Range(0, owned).ToArray();
        ModuleCopy.Copy(source.Bert.Embeddings, student.Bert.Embeddings, $"the {sourceName}'s embeddings into the student");
        ModuleCopy.Copy(source.Bert.Pooler, student.Bert.Pooler, $"the {sourceName}'s pooler into the student");
        for (int i = 0; i < owned; i++)
        {
            ModuleCopy.Copy(source.Bert.Encoder.Layer[layers[i]], student.Bert.Encoder.Layer[i], $"the {sourceName}'s layer {layers[i]} into the student's layer {i}");
        }
    }
}
