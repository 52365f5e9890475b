using System.Diagnostics;
using PeaKd.Data.Batching;
using PeaKd.Distillation;
using PeaKd.Modeling;
using PeaKd.Students;
using PeaKd.Training;
using static TorchSharp.torch;

namespace PeaKd.Bench.Cases;

/// <summary>
/// Patient-KD steps of a student from a teacher, either reading the teacher record (PeaKd's way: the teacher runs
/// once over the data, before training) or running the teacher in every step (the usual way). The record's one
/// pass is timed separately, as "record_seconds" for all the case's examples.
/// </summary>
internal static class KdEpochBench
{
    public static void Run(BenchFile file, CaseSpec spec, Measurement measurement)
    {
        string teacherName = spec.Teacher ?? throw new InvalidDataException("cases.json: a kd-epoch case needs \"teacher\".");
        bool live = spec.TeacherMode switch
        {
            "live" => true,
            "record" => false,
            _ => throw new InvalidDataException($"cases.json: teacher_mode '{spec.TeacherMode}' is not known; use record or live."),
        };
        using BertClassifier teacher = file.Build(teacherName, spec.Precision);
        teacher.eval();
        using var student = file.Build(spec.Model, spec.Precision) as StudentModel
            ?? throw new InvalidDataException($"cases.json: the kd-epoch model '{spec.Model}' must name a student.");
        student.train();
        PatientMap map = PatientMaps.For(student.Plan, teacher.Config.NumHiddenLayers);
        KdSettings settings = KdSettings.Pkd;
        using AdamW optimizer = AdamW.ForModel(student, weightDecay: 0.01);
        var data = SyntheticData.Examples(spec.Batch * (spec.Warmup + spec.Steps), spec.Sequence, file.VocabSize, file.NumLabels, seed: 1);

        TeacherRecord? record = null;
        if (!live)
        {
            var clock = Stopwatch.StartNew();
            record = TeacherRecord.Compute(teacher, data, SyntheticData.PadId, spec.Batch, CPU);
            measurement["record_seconds"] = clock.Elapsed.TotalSeconds;
        }
        measurement["patient_map"] = map.ToString();
        using (record)
        {
            measurement.TimeSteps(spec.Warmup, spec.Steps, spec.Batch, i =>
            {
                using var scope = NewDisposeScope();
                using Batch batch = Batcher.Collate(data, SyntheticData.Rows(i, spec.Batch), SyntheticData.PadId);
                (Tensor logits, Tensor[] cls) = record is null ? RunTeacher(teacher, batch, map) : record.Select(batch.Indices, map.TeacherLayers, CPU);
                TrainingStep.Run(optimizer, () => KnowledgeDistiller.BatchLoss(student, batch, logits, cls, settings, map), learningRate: 1e-4, maxGradNorm: 1.0,
                    term => new InvalidOperationException($"The {term} loss is not finite at benchmark step {i}."));
            });
        }
    }

    private static (Tensor Logits, Tensor[] Cls) RunTeacher(BertClassifier teacher, Batch batch, PatientMap map)
    {
        using var noGrad = no_grad();
        ClassifierOutput output = teacher.forward(batch.InputIds, batch.AttentionMask, batch.TokenTypeIds);
        return (output.Logits, map.TeacherLayers.Select(layer => output.LayerOutputs[layer].select(1, 0)).ToArray());
    }
}
