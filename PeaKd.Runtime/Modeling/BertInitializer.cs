using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PeaKd.Modeling;

/// <summary>Hugging Face's BERT initialisation: linear and embedding weights N(0, initializer_range),
/// biases 0, the padding embedding 0, LayerNorm weight 1 and bias 0.</summary>
internal static class BertInitializer
{
    /// <param name="model">The model whose weights are replaced.</param>
    /// <param name="config">Its configuration (the standard deviation, the padding token).</param>
    /// <param name="generator">Where the draws come from; null for libtorch's process-wide generator, which any other
    /// thread drawing at the same time shifts.</param>
    public static void Initialize(nn.Module model, BertConfig config, Generator? generator = null)
    {
        using var noGrad = no_grad();
        foreach ((string name, nn.Module module) in model.named_modules())
        {
            switch (module)
            {
                case Linear linear:
                    linear.weight!.normal_(0, config.InitializerRange, generator);
                    linear.bias?.zero_();
                    break;
                case Embedding embedding:
                    embedding.weight!.normal_(0, config.InitializerRange, generator);
                    if (name.EndsWith("word_embeddings", StringComparison.Ordinal))
                    {
                        embedding.weight[config.PadTokenId].zero_();
                    }
                    break;
                case LayerNorm norm:
                    norm.weight!.fill_(1);
                    norm.bias!.zero_();
                    break;
            }
        }
    }
}
