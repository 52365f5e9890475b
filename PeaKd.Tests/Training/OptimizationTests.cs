using PeaKd.Modeling;
using PeaKd.Training;
using PeaKd.Tests.Infrastructure;
using Xunit;
using static TorchSharp.torch;

namespace PeaKd.Tests.Training;

[Collection(TrainingCollection.Name)]
public class OptimizationTests
{
    [Fact]
    public void Linear_warmup_then_linear_decay_value_by_value()
    {
        var schedule = new LinearWarmupSchedule(peak: 1.0, totalSteps: 20, warmupFraction: 0.1); // 2 warmup steps
        double[] expected = [0, 0.5, 1.0, 17 / 18.0, 16 / 18.0];
        for (int step = 0; step < expected.Length; step++)
        {
            Assert.Equal(expected[step], schedule.At(step), 12);
        }
        Assert.Equal(1 / 18.0, schedule.At(19), 12);
        Assert.Equal(0, schedule.At(20), 12);
        Assert.Equal(2, schedule.WarmupSteps);
    }

    [Fact]
    public void Biases_and_LayerNorm_weights_do_not_decay()
    {
        using var model = new BertClassifier(new BertConfig { VocabSize = 10, HiddenSize = 8, NumHiddenLayers = 1, NumAttentionHeads = 2, IntermediateSize = 16, MaxPositionEmbeddings = 8 });
        var (decay, noDecay) = WeightDecayGroups.Split(model);
        Assert.Equal(
            [
                "bert.embeddings.word_embeddings.weight", "bert.embeddings.position_embeddings.weight", "bert.embeddings.token_type_embeddings.weight",
                "bert.encoder.layer.0.attention.self.query.weight", "bert.encoder.layer.0.attention.self.key.weight", "bert.encoder.layer.0.attention.self.value.weight",
                "bert.encoder.layer.0.attention.output.dense.weight", "bert.encoder.layer.0.intermediate.dense.weight", "bert.encoder.layer.0.output.dense.weight",
                "bert.pooler.dense.weight", "classifier.weight",
            ],
            decay.Select(p => p.Name).ToArray());
        Assert.All(noDecay, p => Assert.True(p.Name.EndsWith(".bias") || p.Name.Contains("LayerNorm.weight"), p.Name));
        Assert.Equal(model.parameters().Count(), decay.Count + noDecay.Count);
        Assert.Contains(noDecay, p => p.Name == "bert.embeddings.LayerNorm.weight");
        Assert.Contains(noDecay, p => p.Name == "classifier.bias");
    }

    /// <summary>Our AdamW against TorchSharp's own (libtorch's) AdamW, step by step.</summary>
    [Fact]
    public void AdamW_matches_libtorch_AdamW()
    {
        manual_seed(5);
        using var ours = nn.Linear(6, 4);
        using var theirs = nn.Linear(6, 4);
        theirs.load_state_dict(ours.state_dict());
        using var input = randn(8, 6);
        using var target = randn(8, 4);

        using var adam = new AdamW([("weight", ours.weight!, 0.01), ("bias", ours.bias!, 0.0)]);
        var reference = optim.AdamW([
            new TorchSharp.Modules.AdamW.ParamGroup([theirs.weight!], new TorchSharp.Modules.AdamW.Options { LearningRate = 1e-2, weight_decay = 0.01 }),
            new TorchSharp.Modules.AdamW.ParamGroup([theirs.bias!], new TorchSharp.Modules.AdamW.Options { LearningRate = 1e-2, weight_decay = 0.0 }),
        ], lr: 1e-2);

        for (int step = 0; step < 6; step++)
        {
            using (Tensor loss = nn.functional.mse_loss(ours.forward(input), target)) { loss.backward(); }
            adam.Step(1e-2);
            adam.ZeroGrad();
            reference.zero_grad();
            using (Tensor loss = nn.functional.mse_loss(theirs.forward(input), target)) { loss.backward(); }
            reference.step();
        }
        TensorAssert.Close(theirs.weight!, ours.weight!, 1e-6, "weight after 6 steps");
        TensorAssert.Close(theirs.bias!, ours.bias!, 1e-6, "bias after 6 steps");
        Assert.Equal(6, adam.Steps);
    }

    /// <summary>The one-pass CPU update (several parallel chunks, 16-wide steps, a scalar tail) against TorchSharp's
    /// AdamW, with weight decay, over ten steps of random gradients.</summary>
    [Fact]
    public void AdamW_matches_libtorch_AdamW_over_a_parameter_of_several_chunks()
    {
        using var scope = NewDisposeScope();
        manual_seed(6);
        var ours = new TorchSharp.Modules.Parameter(randn(70_001));
        var theirs = new TorchSharp.Modules.Parameter(ours.detach().clone());
        using var adam = new AdamW([("w", ours, 0.05)]);
        using var reference = optim.AdamW([theirs], lr: 3e-3, weight_decay: 0.05);
        for (int step = 0; step < 10; step++)
        {
            Tensor gradient = randn(70_001) * (step + 1);
            ours.grad = gradient.clone();
            theirs.grad = gradient.clone();
            adam.Step(3e-3);
            reference.step();
        }
        TensorAssert.Close(theirs, ours, 1e-6, "after 10 steps");
    }
}
