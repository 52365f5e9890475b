using System.Text.Json.Nodes;
using PeaKd.Data;
using PeaKd.Distillation;
using PeaKd.Options;
using PeaKd.Tests.Infrastructure;
using PeaKd.Training;
using Xunit;

namespace PeaKd.Tests.Api;

/// <summary>Data given as lists in memory trains exactly as the same rows in TSV files do.</summary>
[Collection(TrainingCollection.Name)]
public class InMemoryDataTests
{
    private static List<LabeledText> Read(string file) =>
        File.ReadAllLines(file).Skip(1).Select(line => line.Split('\t')).Select(f => new LabeledText(f[0], f[1])).ToList();

    [Fact]
    public void Examples_in_memory_give_the_run_that_the_same_files_give()
    {
        using TempFolder folder = TestFiles.TempFolder();
        TinyTask.WriteData(folder.File("data"));
        TinyTask.WriteRandomTeacher(folder.File("pretrained"));
        var training = new TrainingOptions { Epochs = 6, BatchSize = 16, LearningRate = 1e-3, CheckpointEvery = 0, Seed = 7 };
        PipelineOptions files = TinyTask.Pipeline(folder, training, output: "files") with { Ptp = false };
        PipelineOptions memory = files with
        {
            Data = DataSource.InMemory(Read(folder.File("data/train.tsv")), Read(folder.File("data/dev.tsv")), Read(folder.File("data/test.tsv"))),
            OutputFolder = folder.File("memory"),
        };

        DistillationResult fromFiles = PeaKdPipeline.Run(files);
        DistillationResult fromMemory = PeaKdPipeline.Run(memory);

        Assert.Equal("memory", fromMemory.Task);
        Assert.Equal(fromFiles.Dev.Accuracy, fromMemory.Dev.Accuracy); // the same rows, order and seeds: the same floats
        Assert.Equal(fromFiles.Test!.F1, fromMemory.Test!.F1);
        Assert.Equal(fromFiles.Teacher.Dev.Accuracy, fromMemory.Teacher.Dev.Accuracy);
        Assert.True(fromMemory.Dev.Accuracy > 0.75, $"dev accuracy {fromMemory.Dev.Accuracy:F3}");
        Assert.Equal(File.ReadAllText(fromFiles.Paths.Predictions["test"]), File.ReadAllText(fromMemory.Paths.Predictions["test"]));

        string data = JsonNode.Parse(File.ReadAllText(folder.File("memory/options.json")))!["data"]!.GetValue<string>();
        Assert.Matches("^memory:[0-9A-F]{64}$", data); // a resumed run is checked against the examples' hash

        // the same lists resume the finished run; other lists are refused
        Assert.Equal(fromMemory.Dev.Accuracy, PeaKdPipeline.Run(memory with { Resume = true }).Dev.Accuracy);
        var changed = memory with { Resume = true, Data = DataSource.InMemory(Read(folder.File("data/train.tsv")).Skip(1).ToList(), Read(folder.File("data/dev.tsv"))) };
        var error = Assert.Throws<InvalidOptionException>(() => PeaKdPipeline.Run(changed));
        Assert.Contains("differs in PipelineOptions.Data (saved \"memory:", error.Message);
    }
}
