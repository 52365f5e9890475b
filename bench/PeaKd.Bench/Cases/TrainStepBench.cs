using PeaKd.Data.Batching;
using PeaKd.Distillation;
using PeaKd.Modeling;
using PeaKd.Training;
using static TorchSharp.torch;

namespace PeaKd.Bench.Cases;

/// <summary>A supervised training step as every PeaKd stage takes it: collate, forward, cross-entropy, backward,
/// clipping, AdamW (<see cref="TrainingStep"/>).</summary>
internal static class TrainStepBench
{
    public static void Run(BenchFile file, CaseSpec spec, Measurement measurement)
    {
        using BertClassifier model = file.Build(spec.Model, spec.Precision);
        model.train();
        using AdamW optimizer = AdamW.ForModel(model, weightDecay: 0.01);
        var data = SyntheticData.Examples(spec.Batch * (spec.Warmup + spec.Steps), spec.Sequence, file.VocabSize, file.NumLabels, seed: 1);
        measurement.TimeSteps(spec.Warmup, spec.Steps, spec.Batch, i =>
        {
            using var scope = NewDisposeScope();
            using Batch batch = Batcher.Collate(data, SyntheticData.Rows(i, spec.Batch), SyntheticData.PadId);
            TrainingStep.Run(optimizer, () => SupervisedLoss.Compute(model, batch), learningRate: 1e-4, maxGradNorm: 1.0,
                term => new InvalidOperationException($"The {term} loss is not finite at benchmark step {i}."));
        });
    }
}
