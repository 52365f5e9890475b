using PeaKd.Data.Batching;
using PeaKd.Modeling;
using static TorchSharp.torch;

namespace PeaKd.Bench.Cases;

/// <summary>Eval-mode forward passes without gradients, as the teacher record and evaluation run them.</summary>
internal static class InferenceBench
{
    public static void Run(BenchFile file, CaseSpec spec, Measurement measurement)
    {
        using BertClassifier model = file.Build(spec.Model, spec.Precision);
        model.eval();
        var data = SyntheticData.Examples(spec.Batch * (spec.Warmup + spec.Steps), spec.Sequence, file.VocabSize, file.NumLabels, seed: 1);
        using var noGrad = no_grad();
        measurement.TimeSteps(spec.Warmup, spec.Steps, spec.Batch, i =>
        {
            using var scope = NewDisposeScope();
            using Batch batch = Batcher.Collate(data, SyntheticData.Rows(i, spec.Batch), SyntheticData.PadId);
            using ClassifierOutput output = model.forward(batch.InputIds, batch.AttentionMask, batch.TokenTypeIds);
            output.Logits.argmax(1).data<long>().ToArray();
        });
    }
}
