using PeaKd.Modeling;
using PeaKd.Students;

namespace PeaKd.Distillation;

/// <summary>Starts a student from its teacher: embeddings, pooler and chosen teacher layers (default the first k).</summary>
internal static class StudentInitializer
{
    /// <param name="student">The student to fill.</param>
    /// <param name="teacher">The teacher (same hidden and FFN sizes).</param>
    /// <param name="teacherLayers">The teacher layer copied into each owned layer (checked against both models by the
    /// options); null for 0 .. k-1.</param>
    public static void FromTeacher(StudentModel student, BertClassifier teacher, IReadOnlyList<int>? teacherLayers = null)
    {
        int owned = student.Plan.OwnedLayers;
        IReadOnlyList<int> layers = teacherLayers ?? Enumerable.Range(0, owned).ToArray();
        ModuleCopy.Copy(teacher.Bert.Embeddings, student.Bert.Embeddings, "the teacher's embeddings into the student");
        ModuleCopy.Copy(teacher.Bert.Pooler, student.Bert.Pooler, "the teacher's pooler into the student");
        for (int i = 0; i < owned; i++)
        {
            ModuleCopy.Copy(teacher.Bert.Encoder.Layer[layers[i]], student.Bert.Encoder.Layer[i], $"the teacher's layer {layers[i]} into the student's layer {i}");
        }
    }
}
