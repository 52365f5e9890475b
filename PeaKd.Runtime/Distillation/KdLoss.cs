using PeaKd.Training;
using static TorchSharp.torch;

namespace PeaKd.Distillation;

/// <summary>The Patient-KD loss as in the authors' code (PEA-KD.md, "KD loss").</summary>
internal static class KdLoss
{
    /// <summary>KL(softmax(teacher / T) || softmax(student / T)) summed over classes, averaged over the batch
    /// ("batchmean"), times T^2.</summary>
    public static Tensor SoftTargets(Tensor studentLogits, Tensor teacherLogits, double temperature)
    {
        using var scope = NewDisposeScope();
        Tensor studentLog = nn.functional.log_softmax(studentLogits / temperature, 1);
        Tensor teacherLog = nn.functional.log_softmax(teacherLogits / temperature, 1);
        // TorchSharp's kl_div takes the target as log-probabilities by default (log_target: true); PyTorch's does not.
        Tensor kl = nn.functional.kl_div(studentLog, teacherLog, log_target: true, reduction: nn.Reduction.Sum);
        return (kl / studentLogits.shape[0] * (temperature * temperature)).MoveToOuterDisposeScope();
    }

    /// <summary>MSE between L2-normalised [CLS] vectors at the matched layers, averaged over batch x layers x hidden.</summary>
    public static Tensor Patient(IReadOnlyList<Tensor> studentCls, IReadOnlyList<Tensor> teacherCls)
    {
        if (studentCls.Count != teacherCls.Count || studentCls.Count == 0)
        {
            throw new ArgumentException($"The patient loss needs matching, non-empty layer lists (got {studentCls.Count} and {teacherCls.Count}).");
        }
        using var scope = NewDisposeScope();
        Tensor student = nn.functional.normalize(stack(studentCls, 1), p: 2, dim: 2);
        Tensor teacher = nn.functional.normalize(stack(teacherCls, 1), p: 2, dim: 2);
        return nn.functional.mse_loss(student, teacher).MoveToOuterDisposeScope();
    }

    /// <summary>The whole loss of a batch. Classification: soft-target KL, cross-entropy and patient terms.
    /// Regression (one output): MSE to the teacher's prediction replaces KL, MSE to the gold score replaces CE.</summary>
    /// <param name="settings">alpha, T, beta.</param>
    /// <param name="studentLogits">[batch, labels].</param>
    /// <param name="teacherLogits">[batch, labels], from the teacher record.</param>
    /// <param name="labels">[batch] class ids, or null for regression.</param>
    /// <param name="targets">[batch] gold scores for regression, else null.</param>
    /// <param name="studentCls">Student [CLS] vectors at the matched effective layers.</param>
    /// <param name="teacherCls">Teacher [CLS] vectors at the matched teacher layers.</param>
    public static LossTerms Compute(KdSettings settings, Tensor studentLogits, Tensor teacherLogits, Tensor? labels, Tensor? targets,
        IReadOnlyList<Tensor> studentCls, IReadOnlyList<Tensor> teacherCls)
    {
        var parts = new Dictionary<string, Tensor>();
        Tensor total = zeros(1, device: studentLogits.device).squeeze();
        bool regression = targets is not null;
        if (settings.Alpha > 0)
        {
            Tensor soft = regression
                ? nn.functional.mse_loss(studentLogits.squeeze(-1), teacherLogits.squeeze(-1))
                : SoftTargets(studentLogits, teacherLogits, settings.Temperature);
            parts["soft"] = soft;
            total = total + settings.Alpha * soft;
        }
        if (settings.Alpha < 1)
        {
            Tensor hard = regression
                ? nn.functional.mse_loss(studentLogits.squeeze(-1), targets!)
                : nn.functional.cross_entropy(studentLogits, labels ?? throw new ArgumentException("Classification KD needs gold labels."));
            parts["hard"] = hard;
            total = total + (1 - settings.Alpha) * hard;
        }
        if (settings.Beta > 0 && studentCls.Count > 0)
        {
            Tensor patient = Patient(studentCls, teacherCls);
            parts["patient"] = patient;
            total = total + settings.Beta * patient;
        }
        return new LossTerms(total, parts);
    }
}
