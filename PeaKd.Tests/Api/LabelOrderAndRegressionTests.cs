using System.Globalization;
using PeaKd.Data;
using PeaKd.Data.Tasks;
using PeaKd.Devices;
using PeaKd.Distillation;
using PeaKd.Inference;
using PeaKd.Options;
using PeaKd.Samples.Cli;
using PeaKd.Tests.Infrastructure;
using PeaKd.Training;
using Xunit;

namespace PeaKd.Tests.Api;

/// <summary>
/// A model's outputs mean its labels in its order, whatever order the data names them in; a regression model
/// predicts a score. Both through the pipeline, <see cref="TextClassifier"/> and <c>peakd predict</c>.
/// </summary>
[Collection(TrainingCollection.Name)]
public class LabelOrderAndRegressionTests
{
    private static readonly TrainingOptions Training = new() { Epochs = 6, BatchSize = 16, LearningRate = 1e-3, CheckpointEvery = 0, Seed = 7 };

    private static List<LabeledText> Read(string file) =>
        File.ReadAllLines(file).Skip(1).Select(line => line.Split('\t')).Select(f => new LabeledText(f[0], f[1])).ToList();

    [Fact]
    public void A_teacher_is_read_in_its_own_label_order_whatever_order_the_data_names_them_in()
    {
        using TempFolder folder = TestFiles.TempFolder();
        TinyTask.WriteData(folder.File("data"));
        TinyTask.WriteRandomTeacher(folder.File("pretrained"));
        FineTuneResult teacher = PeaKdPipeline.FineTune(TinyTask.FineTune(folder, Training));
        double teacherDev = teacher.Dev.Accuracy!.Value;
        Assert.True(teacherDev > 0.85, $"teacher dev accuracy {teacherDev:F3}");

        // the same rows in memory, an "other" row first: in order of first appearance the labels are (other, great)
        List<LabeledText> train = Read(folder.File("data/train.tsv"));
        int firstOther = train.FindIndex(e => e.Label == "other");
        (train[0], train[firstOther]) = (train[firstOther], train[0]);
        var data = DataSource.InMemory(train, Read(folder.File("data/dev.tsv")));

        using (TextClassifier classifier = TextClassifier.Load(teacher.Folder, new TextClassifierOptions { Device = DeviceChoice.Cpu }))
        {
            Assert.Equal(["great", "other"], classifier.Labels);
            Assert.Equal(teacherDev, classifier.Evaluate(data, "dev").Metrics!.Accuracy);
        }

        DistillationResult result = PeaKdPipeline.Run(TinyTask.Pipeline(folder, Training) with { Data = data, Teacher = teacher.Folder, FineTuneTeacher = false, Ptp = false });
        Assert.Equal(teacherDev, result.Teacher.Dev.Accuracy); // read with its own labels, not inverted
        Assert.True(result.Dev.Accuracy > 0.75, $"student dev accuracy {result.Dev.Accuracy:F3}");
        using TextClassifier student = TextClassifier.Load(result.Paths.Run, new TextClassifierOptions { Device = DeviceChoice.Cpu });
        Assert.Equal(["great", "other"], student.Labels);

        // a task with fixed labels named in the other order would invert the teacher: refused before anything is written
        var reversed = TaskRegistry.Tsv() with { Name = "reversed", Labels = ["other", "great"] };
        var error = Assert.Throws<InvalidOptionException>(() => PeaKdPipeline.Run(TinyTask.Pipeline(folder, Training, output: "reversed") with
        {
            Data = DataSource.Files(reversed, folder.File("data")), Teacher = teacher.Folder, FineTuneTeacher = false,
        }));
        Assert.Contains("its labels come in another order (great, other) than the task's (other, great)", error.Message);
        Assert.False(Directory.Exists(folder.File("reversed")));
    }

    [Fact]
    public void A_regression_model_predicts_and_scores_a_number()
    {
        using TempFolder folder = TestFiles.TempFolder();
        WriteScores(folder.File("data"));
        TinyTask.WriteRandomTeacher(folder.File("pretrained"));
        FineTuneResult model = PeaKdPipeline.FineTune(new FineTuneOptions
        {
            Data = DataSource.Files("STS-B", folder.File("data")),
            Teacher = folder.File("pretrained"),
            OutputFolder = folder.File("model"),
            Training = Training with { Epochs = 20 }, // 200 steps: dev Pearson about 0.88 (3 epochs left it near 0)
            MaxLength = 20,
            Device = DeviceChoice.Cpu,
        });

        using TextClassifier classifier = TextClassifier.Load(model.Folder, new TextClassifierOptions { Device = DeviceChoice.Cpu });
        Assert.True(classifier.IsRegression);
        Prediction prediction = classifier.Predict("tok20 tok21 tok22", "tok20 tok21 tok30");
        Assert.NotNull(prediction.Score);
        Assert.Equal(prediction.Score!.Value.ToString("G6", CultureInfo.InvariantCulture), prediction.Label);
        Assert.Empty(prediction.Probabilities);

        EvaluationReport report = classifier.Evaluate(DataSource.Files("STS-B", folder.File("data")), "dev");
        Assert.Equal(model.Dev.Pearson, report.Metrics!.Pearson);
        // Pearson by hand, from the predicted scores against dev's gold scores: the metric is the model's, and the model
        // learned the task, not noise
        string[][] dev = File.ReadAllLines(folder.File("data/dev.tsv")).Skip(1).Select(l => l.Split('\t')).ToArray();
        double[] gold = dev.Select(r => double.Parse(r[2], CultureInfo.InvariantCulture)).ToArray();
        double[] predicted = classifier.PredictBatch(dev.Select(r => (r[0], (string?)r[1])).ToArray()).Select(p => (double)p.Score!.Value).ToArray();
        double gm = gold.Average(), pm = predicted.Average();
        double pearson = gold.Zip(predicted).Sum(g => (g.First - gm) * (g.Second - pm))
            / Math.Sqrt(gold.Sum(g => (g - gm) * (g - gm)) * predicted.Sum(p => (p - pm) * (p - pm)));
        Assert.Equal(pearson, report.Metrics.Pearson!.Value, 4);
        Assert.True(pearson > 0.7, $"dev Pearson {pearson:F3}: the model did not learn the scores");
        TinyTask.WriteData(folder.File("classes"), train: 16, dev: 16);
        var wrongKind = Assert.Throws<ArgumentException>(() => classifier.Evaluate(DataSource.Files(TaskRegistry.Tsv(), folder.File("classes")), "dev"));
        Assert.Contains("the model predicts a score (regression), but tsv is a classification task", wrongKind.Message);

        string input = folder.File("pairs.tsv");
        File.WriteAllLines(input, ["text\ttext_b", "tok20 tok21 tok22\ttok20 tok21 tok30"]);
        var (exit, output, error) = ConsoleCapture.Run(() => PeakdCli.Run(["predict", "--model", model.Folder, "--device", "cpu", "--input", input]));
        Assert.True(exit == 0, error);
        Assert.Equal(prediction.Label, output.Trim());
    }

    /// <summary>STS-B's layout: pairs of sentences and a score from 0 to 5, here the number of the first sentence's words
    /// from the lower half of the vocabulary used (tok15-tok29): a signal a tiny model learns in a few epochs.</summary>
    private static void WriteScores(string folder)
    {
        Directory.CreateDirectory(folder);
        var random = new Random(4);
        void Write(string file, int rows) => File.WriteAllLines(Path.Combine(folder, file), ["sentence1\tsentence2\tscore", .. Enumerable.Range(0, rows).Select(_ =>
        {
            string[] a = Enumerable.Range(0, 5).Select(_ => $"tok{random.Next(15, 45)}").ToArray();
            string[] b = a.Select(w => random.Next(2) == 0 ? w : $"tok{random.Next(15, 45)}").ToArray();
            double score = a.Count(w => int.Parse(w.AsSpan(3), CultureInfo.InvariantCulture) < 30);
            return $"{string.Join(' ', a)}\t{string.Join(' ', b)}\t{score.ToString("F2", CultureInfo.InvariantCulture)}";
        })]);
        Write("train.tsv", 160);
        Write("dev.tsv", 48);
    }
}
