using PeaKd.Data.Batching;
using PeaKd.Data.Tokenization;
using PeaKd.Modeling;
using static TorchSharp.torch;

namespace PeaKd.Inference;

/// <summary>
/// The one loop that runs a model without training it: eval mode, no gradients, batches in data order, a dispose
/// scope per batch. The teacher record, PTP's dev loss, dev and test scoring and <see cref="TextClassifier"/> all
/// read the model's outputs through it.
/// </summary>
internal static class EvaluationLoop
{
    /// <param name="model">The model, already on <paramref name="device"/>.</param>
    /// <param name="features">The encoded examples.</param>
    /// <param name="paddingId">The vocabulary's [PAD] id.</param>
    /// <param name="batchSize">Examples per forward pass.</param>
    /// <param name="device">Where batches go.</param>
    /// <param name="visit">Reads one batch's output; both are freed after it returns, so it copies what it keeps
    /// (or moves tensors out of the batch's dispose scope).</param>
    /// <param name="cancellationToken">Checked before every batch.</param>
    public static void Run(BertClassifier model, IReadOnlyList<EncodedExample> features, int paddingId, int batchSize, Device device,
        Action<Batch, ClassifierOutput> visit, CancellationToken cancellationToken = default)
    {
        model.eval();
        using var noGrad = no_grad();
        foreach (int[] indices in Batcher.Order(features, batchSize, shuffleSeed: null))
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            using Batch batch = Batcher.Collate(features, indices, paddingId, device);
            using ClassifierOutput output = model.forward(batch.InputIds, batch.AttentionMask, batch.TokenTypeIds);
            visit(batch, output);
        }
    }

    /// <summary>The model's fp32 logits for every example, in data order ([examples][labels]).</summary>
    public static float[][] Logits(BertClassifier model, IReadOnlyList<EncodedExample> features, int paddingId, int batchSize, Device device,
        CancellationToken cancellationToken = default)
    {
        var logits = new float[features.Count][];
        Run(model, features, paddingId, batchSize, device, (batch, output) =>
        {
            float[] values = output.Logits.to(ScalarType.Float32).cpu().data<float>().ToArray();
            int width = (int)output.Logits.shape[1];
            for (int row = 0; row < batch.Indices.Length; row++)
            {
                logits[batch.Indices[row]] = values.AsSpan(row * width, width).ToArray();
            }
        }, cancellationToken);
        return logits;
    }
}
