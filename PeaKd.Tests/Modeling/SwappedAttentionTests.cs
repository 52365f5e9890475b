using PeaKd.Modeling;
using PeaKd.Tests.Infrastructure;
using Xunit;
using static TorchSharp.torch;

namespace PeaKd.Tests.Modeling;

/// <summary>Shuffle.QueryKey must equal ordinary attention whose Query and Key parameters were exchanged by hand.</summary>
[Collection(TrainingCollection.Name)]
public class SwappedAttentionTests
{
    private static readonly BertConfig Config = new()
    {
        VocabSize = 20, HiddenSize = 16, NumHiddenLayers = 1, NumAttentionHeads = 4, IntermediateSize = 24, MaxPositionEmbeddings = 16,
    };

    private static void Randomize(nn.Module module)
    {
        using var noGrad = no_grad();
        foreach (TorchSharp.Modules.Parameter parameter in module.parameters())
        {
            parameter.normal_(0, 0.5);
        }
    }

    private static void ExchangeQueryAndKey(BertSelfAttention attention)
    {
        using var noGrad = no_grad();
        using Tensor queryWeight = attention.Query.weight!.clone();
        using Tensor queryBias = attention.Query.bias!.clone();
        attention.Query.weight!.copy_(attention.Key.weight!);
        attention.Query.bias!.copy_(attention.Key.bias!);
        attention.Key.weight!.copy_(queryWeight);
        attention.Key.bias!.copy_(queryBias);
    }

    [Fact]
    public void Swapped_self_attention_equals_attention_with_exchanged_weights_and_biases()
    {
        manual_seed(7);
        using var attention = new BertSelfAttention(Config);
        using var exchanged = new BertSelfAttention(Config);
        Randomize(attention);
        exchanged.load_state_dict(attention.state_dict());
        ExchangeQueryAndKey(exchanged);
        attention.eval();
        exchanged.eval();

        using var hidden = randn(3, 5, 16);
        using var mask = BertModel.ExtendAttentionMask(tensor(new long[,] { { 1, 1, 1, 1, 1 }, { 1, 1, 1, 0, 0 }, { 1, 1, 0, 0, 0 } }), ScalarType.Float32);
        using var noGrad = no_grad();
        using Tensor swapped = attention.forward(hidden, mask, Shuffle.QueryKey);
        using Tensor byHand = exchanged.forward(hidden, mask, Shuffle.None);
        using Tensor ordinary = attention.forward(hidden, mask, Shuffle.None);

        TensorAssert.Close(byHand, swapped, 1e-6, "swapped vs exchanged by hand");
        Assert.True(TensorAssert.MaxAbsDifference(ordinary, swapped) > 1e-2, "the swap must change the result");
    }

    [Fact]
    public void A_swapped_layer_equals_a_layer_with_exchanged_query_and_key()
    {
        manual_seed(11);
        using var layer = new BertLayer(Config);
        using var exchanged = new BertLayer(Config);
        Randomize(layer);
        exchanged.load_state_dict(layer.state_dict());
        ExchangeQueryAndKey(exchanged.Attention.Self);
        layer.eval();
        exchanged.eval();

        using var hidden = randn(2, 6, 16);
        using var noGrad = no_grad();
        using Tensor swapped = layer.forward(hidden, null, Shuffle.QueryKey);
        using Tensor byHand = exchanged.forward(hidden, null);
        TensorAssert.Close(byHand, swapped, 1e-6, "layer swapped vs exchanged by hand");
    }
}
