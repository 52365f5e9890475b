using PeaKd.Options;
using static TorchSharp.torch;

namespace PeaKd.Modeling;

/// <summary>What a <see cref="BertClassifier"/> forward returns. Disposing it frees every tensor.</summary>
/// <param name="Logits">[batch, labels], fp32 whatever the precision.</param>
/// <param name="LayerOutputs">The output of each effective encoder layer in order, [batch, sequence, hidden]. The
/// embeddings are not included: <c>LayerOutputs[i]</c> is Hugging Face's <c>hidden_states[i + 1]</c>.</param>
/// <param name="PooledOutput">tanh(dense([CLS])) of the last layer, [batch, hidden].</param>
public sealed record ClassifierOutput(Tensor Logits, IReadOnlyList<Tensor> LayerOutputs, Tensor PooledOutput) : IDisposable
{
    /// <summary>The last layer's output, [batch, sequence, hidden].</summary>
    public Tensor LastHiddenState => LayerOutputs[^1];

    /// <summary>Frees the logits, the pooled output and every layer output.</summary>
    public void Dispose()
    {
        Logits.Dispose();
        PooledOutput.Dispose();
        foreach (Tensor state in LayerOutputs)
        {
            state.Dispose();
        }
    }

    /// <summary>Its properties and their values, lists and dictionaries with their items.</summary>
    public override string ToString() => RecordText.Of(this);
}
