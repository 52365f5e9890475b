using static TorchSharp.torch;

namespace PeaKd.Modeling;

/// <summary>What a <see cref="BertClassifier"/> forward returns. Disposing it frees every tensor.</summary>
/// <param name="Logits">[batch, labels].</param>
/// <param name="HiddenStates">The output of each effective encoder layer, [batch, sequence, hidden] (embeddings not included).</param>
/// <param name="PooledOutput">tanh(dense([CLS])) of the last layer, [batch, hidden].</param>
public sealed record ClassifierOutput(Tensor Logits, IReadOnlyList<Tensor> HiddenStates, Tensor PooledOutput) : IDisposable
{
    public Tensor LastHiddenState => HiddenStates[^1];

    public void Dispose()
    {
        Logits.Dispose();
        PooledOutput.Dispose();
        foreach (Tensor state in HiddenStates)
        {
            state.Dispose();
        }
    }
}
