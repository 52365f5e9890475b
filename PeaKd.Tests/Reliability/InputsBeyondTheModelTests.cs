using PeaKd.Data;
using PeaKd.Data.Tasks;
using PeaKd.Distillation;
using PeaKd.Modeling;
using PeaKd.Options;
using PeaKd.Tests.Infrastructure;
using PeaKd.Training;
using Xunit;

namespace PeaKd.Tests.Reliability;

/// <summary>A student that pins a width the tiny teacher does not have.</summary>
[Student(1, Hidden = 64, Heads = 4)]
public partial class PinnedWideStudent;

/// <summary>
/// Inputs the model cannot take fail with a clear error before any training: the run folder holds no stage, no
/// teacher record and no fine-tuned teacher afterwards (nothing was trained, nothing half made).
/// </summary>
[Collection(TrainingCollection.Name)]
public class InputsBeyondTheModelTests
{
    private static PipelineOptions Options(TempFolder folder, string student = "TinyPeaBert") =>
        TinyTask.Pipeline(folder, new TrainingOptions { Epochs = 1, BatchSize = 16 }, student);

    private static TempFolder Setup()
    {
        var folder = TestFiles.TempFolder();
        TinyTask.WriteData(folder.File("data"), train: 32, dev: 16);
        TinyTask.WriteRandomTeacher(folder.File("pretrained"));
        return folder;
    }

    private static TException FailsBeforeTraining<TException>(TempFolder folder, PipelineOptions options) where TException : Exception
    {
        var error = Assert.Throws<TException>(() => PeaKdPipeline.Run(options));
        Assert.False(Directory.Exists(folder.File("run")), "the run wrote files although it was refused");
        return error;
    }

    [Fact]
    public void A_max_length_beyond_the_position_embeddings_names_both_numbers()
    {
        using TempFolder folder = Setup();
        var error = FailsBeforeTraining<InvalidOptionException>(folder, Options(folder) with { MaxLength = 40 });
        Assert.Equal("PipelineOptions.MaxLength", error.Property);
        Assert.Contains($"is 40, more than the model's max_position_embeddings 24 ({folder.File("pretrained/config.json")})", error.Message);
    }

    [Fact]
    public void A_vocabulary_larger_than_the_embedding_table_is_an_error()
    {
        using TempFolder folder = Setup();
        File.AppendAllLines(folder.File("pretrained/vocab.txt"), Enumerable.Range(0, 10).Select(i => $"extra{i}"));
        var error = FailsBeforeTraining<InvalidConfigException>(folder, Options(folder));
        Assert.Contains("has 60 tokens but the model's vocab_size is 50", error.Message);
    }

    [Fact]
    public void A_student_pinning_other_sizes_than_the_teacher_names_both_values()
    {
        using TempFolder folder = Setup();
        var error = FailsBeforeTraining<InvalidConfigException>(folder, Options(folder, nameof(PinnedWideStudent)));
        Assert.Equal(folder.File("pretrained/config.json"), error.ConfigSource);
        Assert.Contains("student PinnedWideStudent pins Hidden = 64 but the config has hidden_size 32", error.Message);
    }

    [Fact]
    public void An_empty_text_fails_before_training_naming_file_and_line()
    {
        using TempFolder folder = Setup();
        string dev = folder.File("data/dev.tsv");
        File.WriteAllLines(dev, [.. File.ReadAllLines(dev).Take(3), "\tgreat"]);
        var error = FailsBeforeTraining<DataFormatException>(folder, Options(folder));
        Assert.StartsWith($"{dev}:4: the text in column 'text' is empty", error.Message);
    }

    [Fact]
    public void A_dev_label_unseen_in_train_fails_before_training()
    {
        using TempFolder folder = Setup();
        string dev = folder.File("data/dev.tsv");
        File.AppendAllLines(dev, ["tok20 tok21\tneutral"]);
        var error = FailsBeforeTraining<DataFormatException>(folder, Options(folder));
        Assert.StartsWith($"{dev}:18: unknown label 'neutral'", error.Message);
        Assert.Contains("the labels seen in train are 'great', 'other'", error.Message);
    }

    [Fact]
    public void Texts_longer_than_max_length_are_truncated_not_an_error()
    {
        using TempFolder folder = Setup();
        File.AppendAllLines(folder.File("data/train.tsv"), [string.Join(' ', Enumerable.Range(0, 200).Select(i => $"tok{15 + i % 30}")) + "\tother"]);
        TaskData data = TaskData.Load(TaskRegistry.Tsv(), folder.File("data"), folder.File("pretrained"), 16);
        Assert.All(data.Train, e => Assert.True(e.InputIds.Length <= 16));
        Assert.Equal(16, data.Train[^1].InputIds.Length);
    }
}
