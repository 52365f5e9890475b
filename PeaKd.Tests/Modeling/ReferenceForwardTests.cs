using PeaKd.Checkpoints;
using PeaKd.Modeling;
using PeaKd.Tests.Infrastructure;
using Xunit;
using static TorchSharp.torch;

namespace PeaKd.Tests.Modeling;

/// <summary>
/// The forward pass against an independent BERT written in PyTorch (tools/make_reference_fixture.py):
/// same weights, same inputs, hidden states after every layer, pooled output and logits within 1e-5.
/// </summary>
[Collection(TrainingCollection.Name)]
public class ReferenceForwardTests
{
    private const double Tolerance = 1e-5;

    private static Dictionary<string, Tensor> Reference() => WeightsFile.Read(TestFiles.Fixture("tiny-bert", "reference.safetensors"));

    [Fact]
    public void Matches_the_PyTorch_reference_layer_by_layer()
    {
        Dictionary<string, Tensor> expected = Reference();
        using LoadedCheckpoint loaded = HfCheckpoint.Load(TestFiles.Fixture("tiny-bert"));
        BertClassifier model = loaded.Model;
        model.eval();

        using var noGrad = no_grad();
        using ClassifierOutput output = model.forward(expected["input_ids"], expected["attention_mask"], expected["token_type_ids"]);

        Assert.Equal(2, output.LayerOutputs.Count);
        for (int layer = 0; layer < output.LayerOutputs.Count; layer++)
        {
            TensorAssert.Close(expected[$"hidden_states.{layer}"], output.LayerOutputs[layer], Tolerance, $"hidden state after layer {layer}");
        }
        TensorAssert.Close(expected["pooled_output"], output.PooledOutput, Tolerance, "pooled output");
        TensorAssert.Close(expected["logits"], output.Logits, Tolerance, "logits");
        Assert.False(loaded.Report.FreshClassifier);
    }

    [Fact]
    public void A_bare_BertModel_pytorch_checkpoint_loads_as_the_backbone_with_a_fresh_classifier()
    {
        Dictionary<string, Tensor> expected = Reference();
        using LoadedCheckpoint loaded = HfCheckpoint.Load(TestFiles.Fixture("tiny-bert-backbone"));
        loaded.Model.eval();

        using var noGrad = no_grad();
        using ClassifierOutput output = loaded.Model.forward(expected["input_ids"], expected["attention_mask"], expected["token_type_ids"]);

        // Same backbone weights, saved with bare keys and legacy LayerNorm gamma/beta names in pytorch_model.bin.
        TensorAssert.Close(expected["hidden_states.1"], output.LayerOutputs[1], Tolerance, "last hidden state");
        TensorAssert.Close(expected["pooled_output"], output.PooledOutput, Tolerance, "pooled output");

        CheckpointLoadReport report = loaded.Report;
        Assert.True(report.FreshClassifier);
        Assert.Equal(["cls.seq_relationship.bias", "cls.seq_relationship.weight", "embeddings.position_ids"], report.IgnoredKeys.Order());
        Assert.Contains(report.Notes(), note => note.Contains("initialised a fresh classifier"));
        Assert.Equal(0.0, loaded.Model.Classifier.bias!.abs().sum().item<float>());
        double std = loaded.Model.Classifier.weight!.std().item<float>();
        Assert.InRange(std, 0.01, 0.04); // N(0, 0.02)
    }

    [Fact]
    public void Padding_does_not_change_the_outputs_of_real_tokens()
    {
        using LoadedCheckpoint loaded = HfCheckpoint.Load(TestFiles.Fixture("tiny-bert"));
        BertClassifier model = loaded.Model;
        model.eval();
        using var noGrad = no_grad();

        using var ids = tensor(new long[] { 2, 11, 12, 13, 3 }).unsqueeze(0);
        using var padded = tensor(new long[] { 2, 11, 12, 13, 3, 17, 18, 19 }).unsqueeze(0); // junk behind the mask
        using var mask = tensor(new long[] { 1, 1, 1, 1, 1, 0, 0, 0 }).unsqueeze(0);

        using ClassifierOutput plain = model.forward(ids);
        using ClassifierOutput masked = model.forward(padded, mask);
        using Tensor realTokens = masked.LastHiddenState.narrow(1, 0, 5);
        TensorAssert.Close(plain.LastHiddenState, realTokens, 1e-5, "real tokens with and without padding");
        TensorAssert.Close(plain.Logits, masked.Logits, 1e-5, "logits with and without padding");

        using ClassifierOutput unmasked = model.forward(padded);
        Assert.True(TensorAssert.MaxAbsDifference(plain.Logits, unmasked.Logits) > 1e-3, "without the mask the junk tokens must matter");
    }

    [Fact]
    public void Dropout_acts_in_training_mode_only()
    {
        using LoadedCheckpoint loaded = HfCheckpoint.Load(TestFiles.Fixture("tiny-bert"));
        BertClassifier model = loaded.Model;
        using var ids = tensor(new long[] { 2, 11, 12, 13, 3 }).unsqueeze(0);
        using var noGrad = no_grad();

        model.eval();
        using (ClassifierOutput first = model.forward(ids))
        using (ClassifierOutput second = model.forward(ids))
        {
            Assert.Equal(0.0, TensorAssert.MaxAbsDifference(first.Logits, second.Logits));
        }

        model.train();
        using (ClassifierOutput first = model.forward(ids))
        using (ClassifierOutput second = model.forward(ids))
        {
            Assert.True(TensorAssert.MaxAbsDifference(first.Logits, second.Logits) > 1e-4);
        }
    }

    [Fact]
    public void A_sequence_longer_than_the_position_table_fails_clearly()
    {
        using LoadedCheckpoint loaded = HfCheckpoint.Load(TestFiles.Fixture("tiny-bert"));
        using var ids = ones(1, 30, dtype: ScalarType.Int64);
        var error = Assert.Throws<ArgumentException>(() => loaded.Model.forward(ids));
        Assert.Contains("30 tokens but the model has only 24 positions", error.Message);
    }

    [Fact]
    public void Forward_and_backward_leave_no_live_tensors_behind()
    {
        using LoadedCheckpoint loaded = HfCheckpoint.Load(TestFiles.Fixture("tiny-bert"));
        BertClassifier model = loaded.Model;
        model.train();
        using var ids = tensor(new long[] { 2, 11, 12, 13, 3, 0 }).unsqueeze(0);
        using var mask = tensor(new long[] { 1, 1, 1, 1, 1, 0 }).unsqueeze(0);

        void Step()
        {
            using ClassifierOutput output = model.forward(ids, mask);
            using Tensor loss = output.Logits.sum();
            loss.backward();
            model.zero_grad();
        }

        Step(); // first use allocates gradients, which live with the parameters
        long before = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 3; i++)
        {
            Step();
        }
        Assert.Equal(before, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
