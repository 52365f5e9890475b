using PeaKd.Modeling;
using PeaKd.Students;
using static TorchSharp.torch;

namespace PeaKd.Distillation;

/// <summary>Starts a student from its teacher: embeddings, pooler and chosen teacher layers (default the first k).</summary>
public static class StudentInitializer
{
    /// <param name="student">The student to fill.</param>
    /// <param name="teacher">The teacher (same hidden and FFN sizes).</param>
    /// <param name="teacherLayers">The teacher layer copied into each owned layer; null for 0 .. k-1.</param>
    public static void FromTeacher(StudentModel student, BertClassifier teacher, IReadOnlyList<int>? teacherLayers = null)
    {
        int owned = student.Plan.OwnedLayers;
        IReadOnlyList<int> layers = teacherLayers ?? Enumerable.Range(0, owned).ToArray();
        int available = teacher.Bert.Encoder.Layer.Count;
        if (layers.Count != owned)
        {
            throw new ArgumentException($"--init-layers lists {layers.Count} teacher layers but {student.Plan.Name} owns {owned}.");
        }
        if (layers.Any(l => l < 0 || l >= available))
        {
            throw new ArgumentException($"--init-layers: teacher layer {layers.First(l => l < 0 || l >= available)} does not exist; the teacher has layers 0..{available - 1}.");
        }
        Copy(teacher.Bert.Embeddings, student.Bert.Embeddings, "embeddings");
        Copy(teacher.Bert.Pooler, student.Bert.Pooler, "pooler");
        for (int i = 0; i < owned; i++)
        {
            Copy(teacher.Bert.Encoder.Layer[layers[i]], student.Bert.Encoder.Layer[i], $"layer {layers[i]}");
        }
    }

    /// <summary>Copies every tensor of <paramref name="source"/> into the same-named tensor of <paramref name="target"/>.</summary>
    public static void Copy(nn.Module source, nn.Module target, string what)
    {
        Dictionary<string, Tensor> from = source.state_dict();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach ((string name, Tensor to) in target.state_dict())
        {
            if (!from.TryGetValue(name, out Tensor? value) || !value.shape.SequenceEqual(to.shape))
            {
                throw new ArgumentException($"Cannot copy the teacher's {what} into the student: '{name}' differs in shape. Student and teacher must share hidden and FFN sizes.");
            }
            to.copy_(value);
        }
    }
}
