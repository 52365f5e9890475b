using System.Text.Json.Nodes;
using PeaKd.Modeling;
using PeaKd.Samples.Cli;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Modeling;

/// <summary>Parameter counts of configs whose sizes fit an int but whose sums and products do not: counted in long
/// (never a wrapped, negative count), and past a long an error naming the sizes.</summary>
[Collection(TrainingCollection.Name)]
public class ParameterCountBoundsTests
{
    private static readonly BertConfig LongPositions = BertConfig.BertBase with { MaxPositionEmbeddings = int.MaxValue };

    [Fact]
    public void Max_position_embeddings_of_int_MaxValue_counts_as_by_hand()
    {
        // (30,522 + 2,147,483,647 + 2) rows of 768, and the LayerNorm's 2 x 768: the int sum alone would wrap
        Assert.Equal(2_147_514_171L * 768 + 1536, ParameterCount.Embeddings(LongPositions));
        Assert.Equal(1_649_290_884_864, ParameterCount.Embeddings(LongPositions));
        Assert.Equal(7_087_872, ParameterCount.Layer(LongPositions)); // BERT-base's layer and pooler, unchanged
        Assert.Equal(590_592, ParameterCount.Pooler(LongPositions));
        Assert.Equal(1_649_290_884_864 + 12 * 7_087_872 + 590_592, ParameterCount.Backbone(LongPositions, 12));
        Assert.Equal(ParameterCount.Estimate(LongPositions, 12) - (768 * 2 + 2), ParameterCount.Backbone(LongPositions, 12)); // the estimate, less the classifier
    }

    [Fact]
    public void The_students_command_prints_the_counts_of_such_a_config()
    {
        using var folder = TestFiles.TempFolder();
        string config = folder.File("config.json");
        BertConfig.BertBase.Save(config);
        JsonObject json = JsonNode.Parse(File.ReadAllText(config))!.AsObject();
        json["max_position_embeddings"] = int.MaxValue;
        File.WriteAllText(config, json.ToJsonString());

        var (exit, output, error) = ConsoleCapture.Run(() => PeakdCli.Run(["students", "--config", config]));
        Assert.True(exit == 0, error);
        Assert.Contains($"PeaBert3           3     6 {1_649_290_884_864 + 3 * 7_087_872 + 590_592:N0}  0 1 2 0' 1' 2'", output); // 1,649,312,739,072
        Assert.All(output.Split('\n').Skip(2).Where(line => line.Length > 0), line => Assert.DoesNotContain("-", line)); // no count wrapped negative
    }

    [Fact]
    public void A_count_past_a_long_is_an_error_naming_the_sizes()
    {
        // 4 h^2 + 2 h i = 2^62 + 2^62 (h = 2^30, i = 2^31 - 1): past long.MaxValue
        BertConfig huge = BertConfig.BertBase with { HiddenSize = 1 << 30, NumAttentionHeads = 16, IntermediateSize = int.MaxValue };
        var error = Assert.Throws<InvalidConfigException>(() => ParameterCount.Layer(huge));
        Assert.Contains("hidden_size 1073741824, intermediate_size 2147483647", error.Message);
        Assert.Contains("more than a count can hold", error.Message);
        Assert.Throws<InvalidConfigException>(() => ParameterCount.Backbone(huge, 1));
        Assert.Equal((1L << 30) * (1L << 30) + (1L << 30), ParameterCount.Pooler(huge)); // 2^60 + 2^30 still fits
    }
}
