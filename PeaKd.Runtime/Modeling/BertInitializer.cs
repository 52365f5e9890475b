using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PeaKd.Modeling;

/// <summary>Hugging Face's BERT initialisation: linear and embedding weights N(0, initializer_range),
/// biases 0, the padding embedding 0, LayerNorm weight 1 and bias 0.</summary>
internal static class BertInitializer
{
    public static void Initialize(nn.Module model, BertConfig config)
    {
        using var noGrad = no_grad();
        foreach ((string name, nn.Module module) in model.named_modules())
        {
            switch (module)
            {
                case Linear linear:
                    linear.weight!.normal_(0, config.InitializerRange);
                    linear.bias?.zero_();
                    break;
                case Embedding embedding:
                    embedding.weight!.normal_(0, config.InitializerRange);
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
