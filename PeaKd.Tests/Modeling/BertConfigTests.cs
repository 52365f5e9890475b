using System.Text.Json.Nodes;
using PeaKd.Modeling;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Modeling;

[Collection(TrainingCollection.Name)]
public class BertConfigTests
{
    private static string WriteConfig(TempFolder folder, Action<JsonObject> edit)
    {
        var json = JsonNode.Parse(File.ReadAllText(TestFiles.Fixture("tiny-bert", "config.json")))!.AsObject();
        edit(json);
        string path = folder.File("config.json");
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }

    [Fact]
    public void BertBase_has_the_published_sizes()
    {
        BertConfig config = BertConfig.BertBase;
        Assert.Equal((30522, 768, 12, 12, 3072, 512, 2), (config.VocabSize, config.HiddenSize, config.NumHiddenLayers,
            config.NumAttentionHeads, config.IntermediateSize, config.MaxPositionEmbeddings, config.TypeVocabSize));
        Assert.Equal("gelu", config.HiddenAct);
        Assert.Equal(1e-12, config.LayerNormEps);
    }

    [Fact]
    public void Loads_a_Hugging_Face_config_with_its_labels()
    {
        BertConfig config = BertConfig.Load(TestFiles.Fixture("tiny-bert", "config.json"));
        Assert.Equal((50, 32, 2, 4, 48, 24), (config.VocabSize, config.HiddenSize, config.NumHiddenLayers,
            config.NumAttentionHeads, config.IntermediateSize, config.MaxPositionEmbeddings));
        Assert.Equal(["negative", "neutral", "positive"], config.Labels);
        Assert.Equal(3, config.NumLabels);
    }

    [Fact]
    public void Save_writes_Hugging_Face_keys_and_round_trips()
    {
        using var folder = TestFiles.TempFolder();
        BertConfig original = BertConfig.Load(TestFiles.Fixture("tiny-bert", "config.json")) with { ProblemType = "single_label_classification" };
        string path = folder.File("config.json");
        original.Save(path);

        JsonObject json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        Assert.Equal(32, (int)json["hidden_size"]!);
        Assert.Equal(4, (int)json["num_attention_heads"]!);
        Assert.Equal("positive", (string)json["id2label"]!["2"]!);
        Assert.Equal(1, (int)json["label2id"]!["neutral"]!);
        Assert.Equal("bert", (string)json["model_type"]!);
        Assert.Equal(original, BertConfig.Load(path));
    }

    [Fact]
    public void A_config_without_labels_gets_num_labels_or_two()
    {
        using var folder = TestFiles.TempFolder();
        string path = WriteConfig(folder, json => { json.Remove("id2label"); json.Remove("label2id"); json["num_labels"] = 5; });
        Assert.Equal(5, BertConfig.Load(path).NumLabels);
        path = WriteConfig(folder, json => { json.Remove("id2label"); json.Remove("label2id"); });
        Assert.Equal(2, BertConfig.Load(path).NumLabels);
    }

    [Theory]
    [InlineData("hidden_size", null, "required field 'hidden_size' is missing")]
    [InlineData("hidden_size", "30", "hidden_size 30 is not divisible by num_attention_heads 4")]
    [InlineData("num_hidden_layers", "0", "num_hidden_layers must be a positive integer, got 0")]
    [InlineData("intermediate_size", "-3", "intermediate_size must be a positive integer, got -3")]
    [InlineData("hidden_act", "\"swish\"", "hidden_act 'swish' is not supported; use one of gelu, gelu_new, gelu_pytorch_tanh, relu")]
    [InlineData("vocab_size", "\"many\"", "'vocab_size' must be an integer, got \"many\"")]
    [InlineData("hidden_dropout_prob", "1.5", "hidden_dropout_prob must be in [0, 1), got 1.5")]
    [InlineData("model_type", "\"roberta\"", "model_type 'roberta' is not a BERT model")]
    [InlineData("id2label", "{\"0\": \"a\", \"7\": \"b\"}", "id2label key '7' is not a label id in 0..1")]
    public void Invalid_values_fail_naming_the_file_and_the_field(string field, string? value, string message)
    {
        using var folder = TestFiles.TempFolder();
        string path = WriteConfig(folder, json =>
        {
            if (value is null)
            {
                json.Remove(field);
            }
            else
            {
                json[field] = JsonNode.Parse(value);
            }
        });

        var error = Assert.Throws<InvalidConfigException>(() => BertConfig.Load(path));
        Assert.StartsWith(path + ": ", error.Message);
        Assert.Contains(message, error.Message);
        Assert.Equal(field, error.Field);
    }

    [Fact]
    public void Broken_json_names_the_line()
    {
        using var folder = TestFiles.TempFolder();
        string path = folder.File("config.json");
        File.WriteAllText(path, "{\n  \"hidden_size\": 32,\n  \"num_hidden_layers\": ,\n}");

        var error = Assert.Throws<InvalidConfigException>(() => BertConfig.Load(path));
        Assert.Contains($"{path}: not valid JSON (line 3)", error.Message);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var error = Assert.Throws<FileNotFoundException>(() => BertConfig.Load("/nonexistent/config.json"));
        Assert.Contains("/nonexistent/config.json", error.Message);
    }

    [Fact]
    public void The_model_constructor_validates_the_config()
    {
        var error = Assert.Throws<InvalidConfigException>(() => new BertClassifier(BertConfig.BertBase with { NumAttentionHeads = 7 }));
        Assert.Contains("hidden_size 768 is not divisible by num_attention_heads 7", error.Message);
    }
}
