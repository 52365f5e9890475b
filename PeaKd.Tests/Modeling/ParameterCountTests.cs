using PeaKd.Modeling;
using Xunit;
using static TorchSharp.torch;
using PeaKd.Tests.Infrastructure;

namespace PeaKd.Tests.Modeling;

[Collection(TrainingCollection.Name)]
public class ParameterCountTests
{
    private static long Count(nn.Module module) => module.parameters().Sum(p => p.numel());

    [Fact]
    public void BERT_base_counts_match_the_published_figures()
    {
        using var model = new BertClassifier(BertConfig.BertBase);
        BertModel bert = model.Bert;

        Assert.Equal(109_482_240, Count(bert));
        Assert.Equal(23_837_184, Count(bert.Embeddings));
        Assert.Equal(7_087_872, Count(bert.Encoder.Layer[0]));
        Assert.Equal(590_592, Count(bert.Pooler));
        Assert.Equal(768 * 2 + 2, Count(model.Classifier));
    }

    [Fact]
    public void State_dict_names_are_Hugging_Face_names()
    {
        var config = new BertConfig { VocabSize = 10, HiddenSize = 8, NumHiddenLayers = 2, NumAttentionHeads = 2, IntermediateSize = 16, MaxPositionEmbeddings = 12 };
        using var model = new BertClassifier(config);
        string[] names = model.state_dict().Keys.ToArray();

        string[] layer(int n) =>
        [
            .. new[] { "query", "key", "value" }.SelectMany(p => new[] { $"attention.self.{p}.weight", $"attention.self.{p}.bias" }),
            "attention.output.dense.weight", "attention.output.dense.bias",
            "attention.output.LayerNorm.weight", "attention.output.LayerNorm.bias",
            "intermediate.dense.weight", "intermediate.dense.bias",
            "output.dense.weight", "output.dense.bias", "output.LayerNorm.weight", "output.LayerNorm.bias",
        ];
        string[] expected =
        [
            "bert.embeddings.word_embeddings.weight", "bert.embeddings.position_embeddings.weight",
            "bert.embeddings.token_type_embeddings.weight", "bert.embeddings.LayerNorm.weight", "bert.embeddings.LayerNorm.bias",
            .. layer(0).Select(n => "bert.encoder.layer.0." + n),
            .. layer(1).Select(n => "bert.encoder.layer.1." + n),
            "bert.pooler.dense.weight", "bert.pooler.dense.bias", "classifier.weight", "classifier.bias",
        ];
        Assert.Equal(expected.Order(), names.Order());
    }

    [Theory]
    [InlineData(30522, 768, 12, 3072, 512)]
    [InlineData(50, 32, 4, 48, 24)]
    [InlineData(30522, 384, 12, 1536, 512)]
    public void The_closed_form_counts_equal_the_modules(int vocab, int hidden, int heads, int intermediate, int positions)
    {
        var config = new BertConfig { VocabSize = vocab, HiddenSize = hidden, NumAttentionHeads = heads, IntermediateSize = intermediate, MaxPositionEmbeddings = positions, NumHiddenLayers = 2 };
        using var model = new BertClassifier(config);
        Assert.Equal(Count(model.Bert.Embeddings), ParameterCount.Embeddings(config));
        Assert.Equal(Count(model.Bert.Encoder.Layer[0]), ParameterCount.Layer(config));
        Assert.Equal(Count(model.Bert.Pooler), ParameterCount.Pooler(config));
        Assert.Equal(Count(model.Bert), ParameterCount.Backbone(config, 2));
    }
}
