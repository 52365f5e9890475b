using System.Globalization;
using PeaKd.Checkpoints;
using PeaKd.Data.Batching;
using PeaKd.Data.Tokenization;
using PeaKd.Devices;
using PeaKd.Distillation;
using PeaKd.Export;
using PeaKd.Inference;
using PeaKd.Modeling;
using PeaKd.Samples.Cli;
using PeaKd.Students;
using PeaKd.Tests.Infrastructure;
using PeaKd.Training;
using Xunit;
using static TorchSharp.torch;

namespace PeaKd.Tests.Api;

/// <summary>
/// <see cref="TextClassifier"/> on a distilled SPS student (Query and Key exchanged in its shared layer): from a run
/// folder, the student folder and a Hugging Face export it predicts what the trained student itself computed (its
/// generated forward, not the unrolled copy TextClassifier runs), what <c>peakd evaluate</c> and <c>peakd predict</c>
/// report, one text at a time as in batches.
/// </summary>
[Collection(TrainingCollection.Name)]
public class TextClassifierTests(TextClassifierTests.Distilled run) : IClassFixture<TextClassifierTests.Distilled>
{
    /// <summary>One tiny distillation shared by the tests here.</summary>
    public sealed class Distilled : IDisposable
    {
        public Distilled()
        {
            TinyTask.WriteData(Folder.File("data"));
            TinyTask.WriteRandomTeacher(Folder.File("pretrained"));
            var training = new TrainingOptions { Epochs = 6, BatchSize = 16, LearningRate = 1e-3, CheckpointEvery = 0, Seed = 7 };
            Result = PeaKdPipeline.Run(TinyTask.Pipeline(Folder, training) with { Ptp = false });
            ModelExport.ToHuggingFace(Result.Paths.Run, Folder.File("export")); // a run folder exports its student
            Texts = TextClassifier.ReadTexts(Folder.File("data/test.tsv")).Select(t => t.Text).ToArray();
            // what the run wrote while the trained TinyPeaBert (its generated forward) was in memory
            Expected = File.ReadAllLines(Result.Paths.Predictions["test"]).Skip(1).Select(line => line.Split('\t')[1]).ToArray();
        }

        internal TempFolder Folder { get; } = TestFiles.TempFolder();
        public DistillationResult Result { get; }
        public IReadOnlyList<string> Texts { get; }
        public IReadOnlyList<string> Expected { get; }

        public void Dispose() => Folder.Dispose();
    }

    private static readonly TextClassifierOptions Cpu = new() { Device = DeviceChoice.Cpu };

    /// <summary>Softmax of the student's logits through the generated class: its own forward over the shared layer.</summary>
    private double[][] StudentProbabilities()
    {
        string folder = run.Result.Paths.Student;
        BertConfig config = BertConfig.Load(Path.Combine(folder, "config.json"));
        using StudentModel student = StudentCatalog.Get("TinyPeaBert").Create(config, config.NumLabels);
        StateDictLoader.LoadFile(student, Path.Combine(folder, "model.safetensors"), allowFreshClassifier: false);
        student.eval();
        BertTextEncoder encoder = BertTextEncoder.FromModelFolder(folder);
        var features = run.Texts.Select(t => encoder.Encode(t, null, 16)).Select(e => new EncodedExample(e.InputIds, e.TokenTypeIds, null, null)).ToList();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using Batch batch = Batcher.Collate(features, Enumerable.Range(0, features.Count).ToArray(), encoder.PaddingTokenId);
        Tensor probabilities = nn.functional.softmax(student.forward(batch.InputIds, batch.AttentionMask, batch.TokenTypeIds).Logits, 1).to(ScalarType.Float64);
        double[] values = probabilities.data<double>().ToArray();
        return Enumerable.Range(0, features.Count).Select(i => values.AsSpan(i * 2, 2).ToArray()).ToArray();
    }

    [Theory]
    [InlineData("run")]
    [InlineData("run/student")]
    [InlineData("export")]
    public void Every_folder_predicts_what_the_trained_student_computed(string folder)
    {
        Assert.True(run.Result.Test!.Accuracy > 0.75, $"test accuracy {run.Result.Test!.Accuracy:F3}: the student must have learned something for this to mean anything");
        using TextClassifier classifier = TextClassifier.Load(run.Folder.File(folder), Cpu);
        Assert.Equal(["great", "other"], classifier.Labels);
        Assert.Equal(16, classifier.MaxLength); // the length the run trained with, recorded beside the model
        IReadOnlyList<Prediction> predictions = classifier.PredictBatch(run.Texts);

        Assert.Equal(run.Expected, predictions.Select(p => p.Label));
        double[][] reference = StudentProbabilities();
        for (int i = 0; i < predictions.Count; i++)
        {
            Assert.Equal(reference[i][0], predictions[i].Probabilities["great"], tolerance: 1e-6);
            Assert.Equal(reference[i][1], predictions[i].Probabilities["other"], tolerance: 1e-6);
            Assert.Equal(predictions[i].Probabilities[predictions[i].Label], predictions[i].Probability);
        }
    }

    [Fact]
    public void Batched_predictions_equal_one_by_one()
    {
        using TextClassifier classifier = TextClassifier.Load(run.Result.Paths.Student, Cpu with { BatchSize = 7 });
        IReadOnlyList<Prediction> batched = classifier.PredictBatch(run.Texts);
        for (int i = 0; i < run.Texts.Count; i++)
        {
            Prediction single = classifier.Predict(run.Texts[i]);
            Assert.Equal(single.Label, batched[i].Label);
            Assert.Equal(single.Probabilities["great"], batched[i].Probabilities["great"], tolerance: 1e-6); // padding to a longer text changes no result
        }
    }

    [Fact]
    public void Evaluate_scores_like_the_pipeline_and_peakd_evaluate_writes_the_same_predictions()
    {
        using TextClassifier classifier = TextClassifier.Load(run.Folder.File("run"), Cpu);
        EvaluationReport report = classifier.Evaluate(PeaKd.Data.DataSource.Files("tsv", run.Folder.File("data")), "test");
        Assert.Equal(run.Result.Test!.Accuracy, report.Metrics!.Accuracy);
        Assert.Equal(run.Result.Test!.F1, report.Metrics.F1);
        Assert.Equal(run.Expected, report.Predictions.Select(p => p.Label));

        foreach (string folder in new[] { "run", "run/student", "export" })
        {
            string file = run.Folder.File($"{folder.Replace('/', '-')}-predictions.tsv");
            // no --max-length: the length the model was trained with (16; the tiny model has only 24 positions)
            var (exit, output, error) = ConsoleCapture.Run(() => PeakdCli.Run(["evaluate", "--task", "tsv", "--data", run.Folder.File("data"), "--model", run.Folder.File(folder),
                "--split", "test", "--device", "cpu", "--predictions", file]));
            Assert.True(exit == 0, error);
            Assert.Equal(File.ReadAllText(run.Result.Paths.Predictions["test"]), File.ReadAllText(file));
            Assert.StartsWith($"test: accuracy {run.Result.Test!.Accuracy!.Value.ToString("F4", CultureInfo.CurrentCulture)}", output);
        }
    }

    [Fact]
    public void Peakd_predict_reads_arguments_stdin_or_a_file_and_prints_or_writes_label_and_probability()
    {
        using TextClassifier classifier = TextClassifier.Load(run.Result.Paths.Student, Cpu);
        string[] texts = run.Texts.Take(3).ToArray();
        string[] expected = classifier.PredictBatch(texts).Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Label}\t{p.Probability:F4}")).ToArray();
        string model = run.Folder.File("run");

        var fromArguments = ConsoleCapture.Run(() => PeakdCli.Run(["predict", "--model", model, "--device", "cpu", .. texts]));
        Assert.True(fromArguments.Exit == 0, fromArguments.Error);
        Assert.Equal(expected, fromArguments.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var fromStdin = ConsoleCapture.Run(() => PeakdCli.Run(["predict", "--model", model, "--device", "cpu"]), string.Join("\n", texts) + "\n\n");
        Assert.True(fromStdin.Exit == 0, fromStdin.Error);
        Assert.Equal(expected, fromStdin.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        string input = run.Folder.File("input.tsv");
        File.WriteAllLines(input, ["id\ttext", .. texts.Select((t, i) => $"{i}\t{t}")]);
        string output = run.Folder.File("output.tsv");
        var fromFile = ConsoleCapture.Run(() => PeakdCli.Run(["predict", "--model", model, "--device", "cpu", "--input", input, "--output", output]));
        Assert.True(fromFile.Exit == 0, fromFile.Error);
        string[] lines = File.ReadAllLines(output);
        Assert.Equal("text\tlabel\tprobability\tp_great\tp_other", lines[0]);
        Assert.Equal(texts.Zip(expected, (t, e) => $"{t}\t{e.Split('\t')[0]}"), lines.Skip(1).Select(l => string.Join('\t', l.Split('\t').Take(2))));
        Assert.All(lines.Skip(1), l => Assert.Equal(1.0, l.Split('\t').Skip(3).Sum(p => double.Parse(p, CultureInfo.InvariantCulture)), 5));

        var bad = ConsoleCapture.Run(() => PeakdCli.Run(["predict", "--model", model, "--input", run.Folder.File("data/dev.tsv"), "--text-column", "sentence"]));
        Assert.Equal(1, bad.Exit);
        Assert.StartsWith($"peakd predict: {run.Folder.File("data/dev.tsv")}:1: column 'sentence' not found", bad.Error);
    }
}
