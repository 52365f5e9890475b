using PeaKd.Data;
using PeaKd.Data.Tasks;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Data;

/// <summary>Bad input fails with a message naming the file and the line.</summary>
public class BadInputTests
{
    private static DataFormatException Fails(string task, string split, string fileName, string content, IReadOnlyList<string>? labels = null)
    {
        using var folder = TestFiles.TempFolder();
        File.WriteAllText(folder.File(fileName), content);
        var error = Assert.Throws<DataFormatException>(() => TaskReader.Read(TaskRegistry.Resolve(task), folder.Path, split, labels));
        Assert.Equal(folder.File(fileName), error.File);
        Assert.StartsWith(folder.File(fileName), error.Message);
        return error;
    }

    [Fact]
    public void A_missing_file_names_the_expected_files()
    {
        using var folder = TestFiles.TempFolder();
        var error = Assert.Throws<DataFormatException>(() => TaskReader.Read(TaskRegistry.Resolve("RTE"), folder.Path, "dev"));
        Assert.Equal(folder.File("dev.tsv"), error.File);
        Assert.Contains("file not found; task RTE expects train.tsv, dev.tsv, test.tsv", error.Message);
    }

    [Fact]
    public void A_missing_column_names_the_columns_that_exist()
    {
        DataFormatException error = Fails("SST-2", "train", "train.tsv", "text\tlabel\nfine\t1\n");
        Assert.Equal(1, error.Line);
        Assert.Contains("column 'sentence' not found; the header has: 'text', 'label'", error.Message);
    }

    [Fact]
    public void A_wrong_field_count_names_the_line()
    {
        DataFormatException error = Fails("SST-2", "train", "train.tsv", "sentence\tlabel\ngood\t1\nbad\t0\textra\n");
        Assert.Equal(3, error.Line);
        Assert.Contains("expected 2 tab-separated fields (as in the header), found 3", error.Message);
    }

    [Fact]
    public void A_CoLA_row_without_four_fields_names_the_line()
    {
        DataFormatException error = Fails("CoLA", "train", "train.tsv", "gj04\t1\t\tfine.\ngj04\t1\tbroken\n");
        Assert.Equal(2, error.Line);
        Assert.Contains("expected 4 tab-separated fields, found 3", error.Message);
    }

    [Fact]
    public void An_unknown_label_lists_the_task_labels()
    {
        DataFormatException error = Fails("RTE", "dev", "dev.tsv", "index\tsentence1\tsentence2\tlabel\n0\ta\tb\tentailment\n1\tc\td\tcontradiction\n");
        Assert.Equal(3, error.Line);
        Assert.Contains("unknown label 'contradiction'; RTE labels are 'entailment', 'not_entailment'", error.Message);
    }

    [Fact]
    public void A_tsv_dev_label_unseen_in_train_is_unknown()
    {
        DataFormatException error = Fails("tsv", "dev", "dev.tsv", "text\tlabel\nx\tneutral\n", labels: ["great", "other"]);
        Assert.Equal(2, error.Line);
        Assert.Contains("unknown label 'neutral'", error.Message);
    }

    [Fact]
    public void An_empty_split_is_an_error()
    {
        DataFormatException error = Fails("SST-2", "dev", "dev.tsv", "sentence\tlabel\n");
        Assert.Null(error.Line);
        Assert.Contains("the dev split has no examples", error.Message);
    }

    [Fact]
    public void A_label_column_in_a_GLUE_test_file_is_an_error()
    {
        DataFormatException error = Fails("SST-2", "test", "test.tsv", "index\tsentence\tlabel\n0\tgood\t1\n");
        Assert.Equal(1, error.Line);
        Assert.Contains("the test split has a label column 'label'; SST-2 test files carry no labels", error.Message);
    }

    [Fact]
    public void A_tsv_test_file_may_carry_labels_or_not()
    {
        using var folder = TestFiles.TempFolder();
        File.WriteAllText(folder.File("test.tsv"), "text\tlabel\nx\tother\n");
        Assert.Equal(1, TaskReader.Read(TaskRegistry.Tsv(), folder.Path, "test", ["great", "other"]).Examples[0].Label);
        File.WriteAllText(folder.File("test.tsv"), "text\nx\n");
        Assert.Null(TaskReader.Read(TaskRegistry.Tsv(), folder.Path, "test", ["great", "other"]).Examples[0].Label);
    }

    [Fact]
    public void A_non_numeric_score_names_the_line()
    {
        DataFormatException error = Fails("STS-B", "train", "train.tsv", "index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore\n0\tg\tf\ty\t0\ts\ts\ta\tb\thigh\n");
        Assert.Equal(2, error.Line);
        Assert.Contains("score 'high' is not a number", error.Message);
    }

    [Fact]
    public void Invalid_UTF8_is_reported()
    {
        using var folder = TestFiles.TempFolder();
        File.WriteAllBytes(folder.File("train.tsv"), [.. "sentence\tlabel\n"u8, 0xC3, 0x28, .. "\t1\n"u8]);
        var error = Assert.Throws<DataFormatException>(() => TaskReader.Read(TaskRegistry.Resolve("SST-2"), folder.Path, "train"));
        Assert.Contains("not valid UTF-8", error.Message);
    }

    [Fact]
    public void An_empty_line_inside_the_data_names_the_line()
    {
        DataFormatException error = Fails("SST-2", "train", "train.tsv", "sentence\tlabel\ngood\t1\n\nbad\t0\n");
        Assert.Equal(3, error.Line);
    }

    [Fact]
    public void Quotes_are_plain_characters_and_CRLF_is_accepted()
    {
        using var folder = TestFiles.TempFolder();
        File.WriteAllText(folder.File("train.tsv"), "sentence\tlabel\r\n\"quoted\" text\t1\r\n");
        Example example = TaskReader.Read(TaskRegistry.Resolve("SST-2"), folder.Path, "train").Examples.Single();
        Assert.Equal("\"quoted\" text", example.Text);
        Assert.Equal(1, example.Label);
    }
}
