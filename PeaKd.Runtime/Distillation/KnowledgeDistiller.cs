using PeaKd.Data;
using PeaKd.Data.Batching;
using PeaKd.Inference;
using PeaKd.Runs;
using PeaKd.Students;
using PeaKd.Training;
using static TorchSharp.torch;

namespace PeaKd.Distillation;

/// <summary>Stage 5: distils the teacher record into the student with the KD loss, keeping the best dev checkpoint.</summary>
internal static class KnowledgeDistiller
{
    public const string StageName = "kd";

    /// <param name="stage">The stage: its training options and the run it trains in.</param>
    /// <param name="student">The student on the device, with the task's classifier.</param>
    /// <param name="data">The task data.</param>
    /// <param name="trainRecord">The teacher record of train (the teacher never runs here).</param>
    /// <param name="settings">alpha, T, beta.</param>
    /// <param name="map">Patient-loss layer matching.</param>
    public static TrainingResult Run(RunStage stage, StudentModel student, TaskData data, TeacherRecord trainRecord, KdSettings settings, PatientMap map)
    {
        if (trainRecord.Count != data.Train.Count)
        {
            throw new InvalidOperationException($"The teacher record has {trainRecord.Count} training examples but the data has {data.Train.Count}; it belongs to other data.");
        }
        return stage.Train(student, data.Train, data.Encoder.PaddingTokenId,
            batch =>
            {
                (Tensor teacherLogits, Tensor[] teacherCls) = trainRecord.Select(batch.Indices, map.TeacherLayers, stage.Device);
                return BatchLoss(student, batch, teacherLogits, teacherCls, settings, map);
            },
            () => Evaluator.DevScore(student, data, stage.Device, stage.Options.EvalBatchSize, stage.Options.SelectBy));
    }

    /// <summary>The KD loss of one batch, given the teacher's logits and its [CLS] states at the map's teacher layers.</summary>
    public static LossTerms BatchLoss(StudentModel student, Batch batch, Tensor teacherLogits, IReadOnlyList<Tensor> teacherCls,
        KdSettings settings, PatientMap map)
    {
        var output = student.forward(batch.InputIds, batch.AttentionMask, batch.TokenTypeIds);
        Tensor[] studentCls = map.StudentLayers.Select(layer => output.LayerOutputs[layer].select(1, 0)).ToArray();
        return KdLoss.Compute(settings, output.Logits, teacherLogits, batch.Labels, batch.Targets, studentCls, teacherCls);
    }
}
