using System.Diagnostics;
using System.Text.Json.Nodes;
using PeaKd.Data.Batching;
using PeaKd.Distillation;
using PeaKd.Modeling;
using PeaKd.Training;
using static TorchSharp.torch;

namespace PeaKd.Bench.Cases;

/// <summary>Where a train-step case's time goes: the parts of <see cref="TrainingStep"/> (forward and loss, backward,
/// clipping, AdamW, zeroing) timed one by one (a bf16 step's weight casts are in its forward). A profile for deciding
/// what to change, not a figure to compare (the case command times the step as the stages run it).</summary>
internal static class TrainStepPhases
{
    public static void Run(BenchFile file, CaseSpec spec, Measurement measurement)
    {
        if (spec.Kind != "train-step")
        {
            throw new ArgumentException($"phases splits train-step cases; this case is {spec.Kind}.");
        }
        using BertClassifier model = file.Build(spec.Model, spec.Precision);
        model.train();
        using AdamW optimizer = AdamW.ForModel(model, weightDecay: 0.01);
        var data = SyntheticData.Examples(spec.Batch * (spec.Warmup + spec.Steps), spec.Sequence, file.VocabSize, file.NumLabels, seed: 1);
        string[] names = ["forward", "backward", "clip", "optimizer", "zero_grad"];
        var seconds = names.ToDictionary(n => n, _ => new JsonArray());
        for (int i = 0; i < spec.Warmup + spec.Steps; i++)
        {
            using var scope = NewDisposeScope();
            using Batch batch = Batcher.Collate(data, SyntheticData.Rows(i, spec.Batch), SyntheticData.PadId);
            var clock = Stopwatch.StartNew();
            double Lap()
            {
                double s = clock.Elapsed.TotalSeconds;
                clock.Restart();
                return s;
            }
            LossTerms terms = SupervisedLoss.Compute(model, batch);
            _ = terms.Total.item<float>(); // the step reads the loss before backward
            double forward = Lap();
            terms.Total.backward();
            double backward = Lap();
            nn.utils.clip_grad_norm_(optimizer.Parameters, 1.0);
            double clip = Lap();
            optimizer.Step(1e-4);
            double step = Lap();
            optimizer.ZeroGrad();
            double zero = Lap();
            if (i >= spec.Warmup)
            {
                foreach ((string name, double value) in names.Zip([forward, backward, clip, step, zero]))
                {
                    seconds[name].Add(value);
                }
            }
        }
        measurement["examples_per_step"] = spec.Batch;
        measurement["phase_seconds"] = new JsonObject(seconds.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value)));
    }
}
