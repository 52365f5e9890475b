using PeaKd.Data;
using PeaKd.Data.Tasks;
using PeaKd.Tests.Infrastructure;
using Xunit;

namespace PeaKd.Tests.Reliability;

/// <summary>Rows the model cannot use are errors naming file and line, found when the files are read (before training).</summary>
public class EmptyTextAndLabelTests
{
    private static DataFormatException Fails(string task, string split, string content, IReadOnlyList<string>? labels = null)
    {
        using var folder = TestFiles.TempFolder();
        string file = folder.File(TaskRegistry.Resolve(task).SplitFiles[split]);
        File.WriteAllText(file, content);
        var error = Assert.Throws<DataFormatException>(() => TaskReader.Read(TaskRegistry.Resolve(task), folder.Path, split, labels));
        Assert.Equal(file, error.File);
        Assert.StartsWith($"{file}:{error.Line}: ", error.Message);
        return error;
    }

    [Theory]
    [InlineData("SST-2", "sentence\tlabel\ngood\t1\n\t0\n", 3, "column 'sentence'")]
    [InlineData("SST-2", "sentence\tlabel\ngood\t1\n   \t0\n", 3, "column 'sentence'")]
    [InlineData("CoLA", "gj04\t1\t\tFine.\ngj04\t0\t*\t \n", 2, "field 4")]
    [InlineData("RTE", "index\tsentence1\tsentence2\tlabel\n0\ta b\t\tentailment\n", 2, "column 'sentence2'")]
    public void An_empty_text_names_file_line_and_column(string task, string content, int line, string column)
    {
        DataFormatException error = Fails(task, "train", content);
        Assert.Equal(line, error.Line);
        Assert.Contains($"the text in {column} is empty", error.Message);
    }

    [Fact]
    public void A_dev_label_unseen_in_train_names_the_label_and_the_known_ones()
    {
        DataFormatException error = Fails("tsv", "dev", "text\tlabel\nfine\tgreat\nmeh\tneutral\n", labels: ["great", "other"]);
        Assert.Equal(3, error.Line);
        Assert.Contains("unknown label 'neutral': it does not occur in the training split", error.Message);
        Assert.Contains("the labels seen in train are 'great', 'other'", error.Message);
    }

    [Fact]
    public void A_test_label_unseen_in_train_is_an_error_too()
    {
        DataFormatException error = Fails("tsv", "test", "text\tlabel\nfine\tbad\n", labels: ["great", "other"]);
        Assert.Equal(2, error.Line);
        Assert.Contains("unknown label 'bad'", error.Message);
    }
}
