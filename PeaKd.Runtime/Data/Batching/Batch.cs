using static TorchSharp.torch;

namespace PeaKd.Data.Batching;

/// <summary>A padded batch on a device. Disposing it frees its tensors.</summary>
/// <param name="InputIds">[batch, longest] token ids, padded with the pad id.</param>
/// <param name="AttentionMask">[batch, longest], 1 for tokens and 0 for padding.</param>
/// <param name="TokenTypeIds">[batch, longest] segment ids.</param>
/// <param name="Labels">[batch] class ids (int64), or null when the examples have none.</param>
/// <param name="Targets">[batch] regression scores (float32), or null.</param>
/// <param name="Indices">Which examples of the data set the rows are.</param>
internal sealed record Batch(Tensor InputIds, Tensor AttentionMask, Tensor TokenTypeIds, Tensor? Labels, Tensor? Targets, int[] Indices) : IDisposable
{
    public int Size => Indices.Length;

    public void Dispose()
    {
        InputIds.Dispose();
        AttentionMask.Dispose();
        TokenTypeIds.Dispose();
        Labels?.Dispose();
        Targets?.Dispose();
    }
}
