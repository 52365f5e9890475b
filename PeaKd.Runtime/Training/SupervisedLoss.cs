using PeaKd.Data.Batching;
using PeaKd.Modeling;
using static TorchSharp.torch;

namespace PeaKd.Training;

/// <summary>The loss of supervised training (the teacher's fine-tuning, PTP's 4-class task): cross-entropy to the
/// batch's class labels, or MSE to its gold scores for regression.</summary>
internal static class SupervisedLoss
{
    public static LossTerms Compute(BertClassifier model, Batch batch)
    {
        // no using: the training step's dispose scope frees the outputs after backward
        ClassifierOutput output = model.forward(batch.InputIds, batch.AttentionMask, batch.TokenTypeIds);
        Tensor loss = batch.Targets is { } targets
            ? nn.functional.mse_loss(output.Logits.squeeze(-1), targets)
            : nn.functional.cross_entropy(output.Logits, batch.Labels!);
        return new LossTerms(loss, new Dictionary<string, Tensor> { ["hard"] = loss });
    }
}
