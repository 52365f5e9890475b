using PeaKd.Data;
using PeaKd.Data.Tasks;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Data;

/// <summary>Every GLUE format, written here as small files in GLUE's exact layout, read back.</summary>
public class GlueReaderTests
{
    private static string Write(TempFolder folder, string name, string content, bool bom = false)
    {
        string path = folder.File(name);
        byte[] text = System.Text.Encoding.UTF8.GetBytes(content);
        File.WriteAllBytes(path, bom ? [0xEF, 0xBB, 0xBF, .. text] : text);
        return path;
    }

    [Fact]
    public void CoLA_train_has_no_header_and_test_has_one()
    {
        using var folder = TestFiles.TempFolder();
        Write(folder, "train.tsv", "gj04\t1\t\tOur friends won't buy this analysis.\nclc95\t0\t*\tThey drank the pub.\n");
        Write(folder, "test.tsv", "index\tsentence\n0\tBill whistled past the house.\n");
        TaskDefinition cola = TaskRegistry.Resolve("cola");

        Dataset train = TaskReader.Read(cola, folder.Path, "train");
        Assert.Equal(["Our friends won't buy this analysis.", "They drank the pub."], train.Examples.Select(e => e.Text));
        Assert.Equal([1, 0], train.Examples.Select(e => e.Label!.Value));
        Assert.Equal([1, 2], train.Examples.Select(e => e.Line));

        Dataset test = TaskReader.Read(cola, folder.Path, "test");
        Assert.Null(Assert.Single(test.Examples).Label);
        Assert.Equal([Metric.Matthews], cola.Metrics);
    }

    [Fact]
    public void MRPC_has_a_byte_order_mark_and_pairs()
    {
        using var folder = TestFiles.TempFolder();
        Write(folder, "train.tsv", "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String\r\n1\t702876\t702977\tAmrozi accused his brother.\tReferring to him, Amrozi accused his brother.\r\n0\t2108705\t2108831\tYucaipa owned Dominick's.\tYucaipa bought Dominick's in 1995.\r\n", bom: true);
        Dataset train = TaskReader.Read(TaskRegistry.Resolve("MRPC"), folder.Path, "train");
        Assert.Equal("Amrozi accused his brother.", train.Examples[0].Text);
        Assert.Equal("Referring to him, Amrozi accused his brother.", train.Examples[0].TextPair);
        Assert.Equal([1, 0], train.Examples.Select(e => e.Label!.Value));
        Assert.True(train.IsPairTask);
    }

    [Theory]
    [InlineData("SST-2", "sentence\tlabel\nit 's a charming journey .\t1\n", "it 's a charming journey .", null, 1)]
    [InlineData("sst2", "sentence\tlabel\nunflinchingly bleak\t0\n", "unflinchingly bleak", null, 0)]
    [InlineData("QNLI", "index\tquestion\tsentence\tlabel\n0\tWhat came into force?\tThe law came into force.\tentailment\n", "What came into force?", "The law came into force.", 0)]
    [InlineData("RTE", "index\tsentence1\tsentence2\tlabel\n0\tDana Reeve died.\tChristopher Reeve had an accident.\tnot_entailment\n", "Dana Reeve died.", "Christopher Reeve had an accident.", 1)]
    [InlineData("WNLI", "index\tsentence1\tsentence2\tlabel\n0\tI stuck a pin through a carrot.\tThe carrot had a hole.\t1\n", "I stuck a pin through a carrot.", "The carrot had a hole.", 1)]
    [InlineData("QQP", "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n1\t3\t4\tHow do I learn?\tHow can I learn?\t1\n", "How do I learn?", "How can I learn?", 1)]
    [InlineData("MNLI", "index\tpromptID\tpairID\tgenre\tsentence1_binary_parse\tsentence2_binary_parse\tsentence1_parse\tsentence2_parse\tsentence1\tsentence2\tlabel1\tgold_label\n0\t31193\t31193n\tgovernment\t( a )\t( b )\t(ROOT a)\t(ROOT b)\tConceptually cream skimming has two dimensions.\tProduct and geography are what make cream skimming work.\tneutral\tneutral\n", "Conceptually cream skimming has two dimensions.", "Product and geography are what make cream skimming work.", 2)]
    public void Headered_tasks_read_text_pair_and_label(string task, string trainFile, string text, string? pair, int label)
    {
        using var folder = TestFiles.TempFolder();
        Write(folder, "train.tsv", trainFile);
        Example example = Assert.Single(TaskReader.Read(TaskRegistry.Resolve(task), folder.Path, "train").Examples);
        Assert.Equal((text, pair, label), (example.Text, example.TextPair, example.Label!.Value));
    }

    [Fact]
    public void MNLI_reads_matched_and_mismatched_dev()
    {
        using var folder = TestFiles.TempFolder();
        string header = "index\tpromptID\tpairID\tgenre\tsentence1_binary_parse\tsentence2_binary_parse\tsentence1_parse\tsentence2_parse\tsentence1\tsentence2\tlabel1\tlabel2\tlabel3\tlabel4\tlabel5\tgold_label\n";
        Write(folder, "dev_matched.tsv", header + "0\t1\t1e\tfiction\ta\tb\ta\tb\tThe cat sat.\tA cat sat.\tentailment\tentailment\tentailment\tentailment\tentailment\tentailment\n");
        Write(folder, "dev_mismatched.tsv", header + "0\t1\t1c\tletters\ta\tb\ta\tb\tIt rained.\tIt was dry.\tcontradiction\tcontradiction\tcontradiction\tcontradiction\tcontradiction\tcontradiction\n");
        TaskDefinition mnli = TaskRegistry.Resolve("MNLI");
        Assert.Equal(1, TaskReader.Read(mnli, folder.Path, "dev").Examples[0].Label);
        Assert.Equal(0, TaskReader.Read(mnli, folder.Path, "dev_mismatched").Examples[0].Label);
    }

    [Fact]
    public void STS_B_is_regression_with_float_scores()
    {
        using var folder = TestFiles.TempFolder();
        Write(folder, "dev.tsv", "index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore\n0\tmain-captions\tMSRvid\t2012test\t0000\tnone\tnone\tA man with a hard hat is dancing.\tA man wearing a hard hat is dancing.\t5.000\n1\tmain-captions\tMSRvid\t2012test\t0002\tnone\tnone\tA young child is riding a horse.\tA child is riding a horse.\t4.750\n");
        TaskDefinition stsb = TaskRegistry.Resolve("STS-B");
        Dataset dev = TaskReader.Read(stsb, folder.Path, "dev");
        Assert.True(stsb.IsRegression);
        Assert.Equal([5.0f, 4.75f], dev.Examples.Select(e => e.Target!.Value));
        Assert.All(dev.Examples, e => Assert.Null(e.Label));
        Assert.Equal(TaskRegistry.Resolve("stsb").Name, stsb.Name);
    }

    [Fact]
    public void The_tsv_task_takes_labels_from_train_in_order_of_first_appearance()
    {
        using var folder = TestFiles.TempFolder();
        Write(folder, "train.tsv", "id\ttext\tlabel\n1\tgreat coffee\tgreat\n2\tmeh\tother\n3\tlovely\tgreat\n");
        Write(folder, "dev.tsv", "id\ttext\tlabel\n1\tbad\tother\n");
        TaskDefinition tsv = TaskRegistry.Resolve("tsv");
        Dataset train = TaskReader.Read(tsv, folder.Path, "train");
        Assert.Equal(["great", "other"], train.Labels);
        Assert.Equal([0, 1, 0], train.Examples.Select(e => e.Label!.Value));
        Assert.False(train.IsPairTask);
        Assert.Equal(1, TaskReader.Read(tsv, folder.Path, "dev", train.Labels).Examples[0].Label);
    }

    [Fact]
    public void The_tsv_task_uses_text_b_when_present_and_named_columns_otherwise()
    {
        using var folder = TestFiles.TempFolder();
        Write(folder, "train.tsv", "text\ttext_b\tlabel\nquestion?\tanswer.\tyes\n");
        Assert.Equal("answer.", TaskReader.Read(TaskRegistry.Tsv(), folder.Path, "train").Examples[0].TextPair);

        Write(folder, "train.tsv", "review\tsummary\tstars\nsmooth and rich\tgood\t5\n");
        Example example = TaskReader.Read(TaskRegistry.Tsv("review", "summary", "stars"), folder.Path, "train").Examples[0];
        Assert.Equal(("smooth and rich", "good", 0), (example.Text, example.TextPair, example.Label!.Value));
    }

    [Theory]
    [InlineData("SST-2", "sst2")]
    [InlineData("STS-B", "stsb")]
    [InlineData("MNLI", "Mnli")]
    [InlineData("SST-2", "SST_2")]
    public void Task_names_ignore_case_and_punctuation(string canonical, string spelling) =>
        Assert.Equal(canonical, TaskRegistry.Resolve(spelling).Name);

    [Fact]
    public void An_unknown_task_lists_the_valid_names()
    {
        var error = Assert.Throws<ArgumentException>(() => TaskRegistry.Resolve("imdb"));
        Assert.Equal("Unknown task 'imdb'; use one of CoLA, SST-2, MRPC, STS-B, QQP, MNLI, QNLI, RTE, WNLI, tsv.", error.Message);
    }
}
