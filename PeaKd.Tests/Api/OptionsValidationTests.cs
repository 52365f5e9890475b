using PeaKd.Data;
using PeaKd.Data.Tasks;
using PeaKd.Devices;
using PeaKd.Distillation;
using PeaKd.Inference;
using PeaKd.Options;
using PeaKd.Precision;
using PeaKd.Tests.Infrastructure;
using PeaKd.Training;
using Xunit;

namespace PeaKd.Tests.Api;

/// <summary>
/// Every invalid option of the library's API is refused before anything is written or trained, with the property
/// named as the caller wrote it. Each case changes one value of a run that is otherwise valid.
/// </summary>
[Collection(TrainingCollection.Name)]
public class OptionsValidationTests
{
    private static readonly LabeledText Good = new("tok10 tok20", "great");

    /// <summary>(case, the change, the property named, a part of the message).</summary>
    public static TheoryData<string, Func<PipelineOptions, PipelineOptions>, string, string> PipelineCases => new()
    {
        { "no data", o => o with { Data = null! }, "PipelineOptions.Data", "is not set" },
        { "empty data folder", o => o with { Data = DataSource.Files(TaskRegistry.Tsv(), " ") }, "PipelineOptions.Data", "is empty" },
        { "no teacher", o => o with { Teacher = "" }, "PipelineOptions.Teacher", "is empty" },
        { "teacher not a folder", o => o with { Teacher = "/nowhere/teacher" }, "PipelineOptions.Teacher", "is '/nowhere/teacher', which is not a folder" },
        { "teacher without weights", o => o with { Teacher = WithoutWeights(o.Teacher) }, "PipelineOptions.Teacher", "which has no weights (model.safetensors or pytorch_model.bin)" },
        { "no student", o => o with { Student = StudentCatalog.Find("Typo")! }, "PipelineOptions.Student", "StudentCatalog.Get" },
        { "no output folder", o => o with { OutputFolder = "" }, "PipelineOptions.OutputFolder", "is empty" },
        { "output folder is the teacher", o => o with { OutputFolder = o.Teacher + "/" }, "PipelineOptions.OutputFolder", "the folder PipelineOptions.Teacher names, or one inside or around it (symbolic links resolved); the run would write its files over the model it reads" },
        { "records: empty folder", o => o with { RecordFolder = " " }, "PipelineOptions.RecordFolder", "is empty" },
        { "task: no metric", o => o with { Data = DataSource.Files(TaskRegistry.Tsv() with { Metrics = [] }, "data") }, "PipelineOptions.Data.Task.Metrics", "is empty; list the task's metrics" },
        { "task: no label column", o => o with { Data = DataSource.Files(TaskRegistry.Tsv() with { Labelled = TaskRegistry.Tsv().Labelled with { Label = null } }, "data") },
            "PipelineOptions.Data.Task.Labelled.Label", "is empty" },
        { "task: no dev file", o => o with { Data = DataSource.Files(TaskRegistry.Tsv() with { SplitFiles = new Dictionary<string, string> { ["train"] = "train.tsv" } }, "data") },
            "PipelineOptions.Data.Task.SplitFiles", "names no dev file" },
        { "init layers: count", o => o with { InitLayers = [0, 1] }, "PipelineOptions.InitLayers", "lists 2 layers, but student TinyPeaBert owns 1" },
        { "init layers: negative", o => o with { InitLayers = [-1] }, "PipelineOptions.InitLayers", "lists layer -1" },
        { "init layers: beyond the teacher", o => o with { InitLayers = [2] }, "PipelineOptions.InitLayers", "lists layer 2, but the pretrained model the student starts from has layers 0..1" },
        { "patient map beyond the teacher", o => o with { Student = StudentCatalog.Get("TinyPeaBertDeepMap") }, "PipelineOptions.Student",
            "is TinyPeaBertDeepMap, whose [PatientMap] names teacher layer 5, but the teacher has 2 layers" },
        { "record dtype", o => o with { RecordDtype = (RecordDtype)9 }, "PipelineOptions.RecordDtype", "is 9, which is not a RecordDtype" },
        { "thresholds: none", o => o with { PtpThresholds = null! }, "PipelineOptions.PtpThresholds", "is not set" },
        { "thresholds: t1", o => o with { PtpThresholds = PtpThresholds.Of(0, 0.5) }, "PipelineOptions.PtpThresholds.T1", "must be in (0, 1) with Mode Explicit, got 0." },
        { "thresholds: t2", o => o with { PtpThresholds = PtpThresholds.Of(0.9, double.NaN) }, "PipelineOptions.PtpThresholds.T2", "got NaN." },
        { "thresholds: paper for tsv", o => o with { PtpThresholds = PtpThresholds.Paper }, "PipelineOptions.PtpThresholds", "the paper gives PTP thresholds only for" },
        { "kd: none", o => o with { KdLoss = null! }, "PipelineOptions.KdLoss", "is not set" },
        { "kd: alpha", o => o with { KdLoss = KdSettings.Pkd with { Alpha = 2 } }, "PipelineOptions.KdLoss.Alpha", "must be in [0, 1], got 2." },
        { "kd: temperature", o => o with { KdLoss = KdSettings.Pkd with { Temperature = double.NaN } }, "PipelineOptions.KdLoss.Temperature", "got NaN." },
        { "kd: beta", o => o with { KdLoss = KdSettings.Pkd with { Beta = double.PositiveInfinity } }, "PipelineOptions.KdLoss.Beta", "got Infinity." },
        { "fine-tuning: epochs", o => o with { FineTuneTraining = o.FineTuneTraining with { Epochs = 0 } }, "PipelineOptions.FineTuneTraining.Epochs", "must be at least 1, got 0." },
        { "ptp: batch size", o => o with { PtpTraining = o.PtpTraining with { BatchSize = 0 } }, "PipelineOptions.PtpTraining.BatchSize", "must be at least 1, got 0." },
        { "kd: epochs", o => o with { KdTraining = new() { Epochs = 0 } }, "PipelineOptions.KdTraining.Epochs", "must be at least 1, got 0." },
        { "kd: learning rate", o => o with { KdTraining = o.KdTraining with { LearningRate = double.PositiveInfinity } }, "PipelineOptions.KdTraining.LearningRate", "must be a positive finite number, got Infinity." },
        { "kd: weight decay", o => o with { KdTraining = o.KdTraining with { WeightDecay = -0.1 } }, "PipelineOptions.KdTraining.WeightDecay", "got -0.1." },
        { "kd: warmup", o => o with { KdTraining = o.KdTraining with { WarmupFraction = 1 } }, "PipelineOptions.KdTraining.WarmupFraction", "must be in [0, 1), got 1." },
        { "kd: clipping", o => o with { KdTraining = o.KdTraining with { MaxGradNorm = 0 } }, "PipelineOptions.KdTraining.MaxGradNorm", "got 0." },
        { "kd: log interval", o => o with { KdTraining = o.KdTraining with { LogEvery = 0 } }, "PipelineOptions.KdTraining.LogEvery", "got 0." },
        { "kd: checkpoints", o => o with { KdTraining = o.KdTraining with { CheckpointEvery = -1 } }, "PipelineOptions.KdTraining.CheckpointEvery", "got -1." },
        { "kd: eval batch", o => o with { KdTraining = o.KdTraining with { EvalBatchSize = 0 } }, "PipelineOptions.KdTraining.EvalBatchSize", "got 0." },
        { "training: none", o => o with { PtpTraining = null! }, "PipelineOptions.PtpTraining", "is not set" },
        { "max length: too short", o => o with { MaxLength = 4 }, "PipelineOptions.MaxLength", "must be between 8 and 4096, got 4." },
        { "max length: past the teacher's positions", o => o with { MaxLength = 40 }, "PipelineOptions.MaxLength", "is 40, more than the model's max_position_embeddings 24" },
        { "limit train", o => o with { LimitTrain = 0 }, "PipelineOptions.LimitTrain", "must be at least 1, got 0." },
        { "device", o => o with { Device = (DeviceChoice)5 }, "PipelineOptions.Device", "is 5, which is not a DeviceChoice" },
        { "precision", o => o with { Precision = (PrecisionChoice)5 }, "PipelineOptions.Precision", "is 5, which is not a PrecisionChoice" },
        { "memory: empty text", o => o with { Data = DataSource.InMemory([Good, Good, Good, new("  ", "other")], [Good]) }, "PipelineOptions.Data.Train[3].Text", "is empty" },
        { "memory: empty label", o => o with { Data = DataSource.InMemory([Good, new("tok11", "")], [Good]) }, "PipelineOptions.Data.Train[1].Label", "is empty" },
        { "memory: no dev", o => o with { Data = DataSource.InMemory([Good], []) }, "PipelineOptions.Data.Dev", "holds no example" },
        { "memory: unseen dev label", o => o with { Data = DataSource.InMemory([Good], [new("tok12", "neutral")]) }, "PipelineOptions.Data.Dev[0].Label", "is 'neutral', which no training example has" },
        { "memory: empty pair", o => o with { Data = DataSource.InMemory([Good, new("tok13", "great", "")], [Good]) }, "PipelineOptions.Data.Train[1].TextPair", "is empty" },
    };

    [Theory]
    [MemberData(nameof(PipelineCases))]
    public void An_invalid_pipeline_option_fails_before_anything_is_written(string name, Func<PipelineOptions, PipelineOptions> change, string property, string message)
    {
        using TempFolder folder = Setup();
        PipelineOptions options = change(TinyTask.Pipeline(folder, new TrainingOptions { Epochs = 1, BatchSize = 16 }));
        var error = Assert.Throws<InvalidOptionException>(() => PeaKdPipeline.Run(options));
        Assert.True(property == error.Property, $"{name}: named {error.Property}: {error.Message}");
        Assert.StartsWith(property + " ", error.Message);
        Assert.Contains(message, error.Message);
        Assert.False(Directory.Exists(folder.File("run")), $"{name}: the refused run wrote {folder.File("run")}");
    }

    [Fact]
    public void The_issues_example_reads_as_promised()
    {
        using TempFolder folder = Setup();
        var error = Assert.Throws<InvalidOptionException>(() => PeaKdPipeline.Run(TinyTask.Pipeline(folder, new TrainingOptions()) with { KdTraining = new() { Epochs = 0 } }));
        Assert.Equal("PipelineOptions.KdTraining.Epochs must be at least 1, got 0.", error.Message);
    }

    [Fact]
    public void Cuda_without_a_GPU_is_refused_before_anything_is_written()
    {
        if (TorchSharp.torch.cuda.is_available())
        {
            // this machine has one: nothing to refuse, and Cuda must then mean it
            Assert.Equal(TorchSharp.DeviceType.CUDA, DeviceSelector.Resolve(DeviceChoice.Cuda).type);
            return;
        }
        using TempFolder folder = Setup();
        var error = Assert.Throws<InvalidOptionException>(() => PeaKdPipeline.Run(TinyTask.Pipeline(folder, new TrainingOptions()) with { Device = DeviceChoice.Cuda }));
        Assert.Equal("PipelineOptions.Device", error.Property);
        Assert.False(Directory.Exists(folder.File("run")));
    }

    [Fact]
    public void A_teacher_that_is_not_fine_tuned_is_refused_before_anything_is_written()
    {
        using TempFolder folder = Setup();
        var error = Assert.Throws<InvalidOptionException>(() => PeaKdPipeline.Run(TinyTask.Pipeline(folder, new TrainingOptions()) with { FineTuneTeacher = false }));
        Assert.Equal("PipelineOptions.Teacher", error.Property);
        Assert.Contains("which is not a fine-tuned teacher for tsv (it has no classifier). Fine-tune it first with PeaKdPipeline.FineTune.", error.Message);
        Assert.False(Directory.Exists(folder.File("run")));
    }

    [Fact]
    public void A_typo_in_a_student_name_lists_the_known_students()
    {
        var error = Assert.Throws<ArgumentException>(() => StudentCatalog.Get("TinyPeaBrt"));
        Assert.StartsWith("Student 'TinyPeaBrt' is not declared in this program; the known students are ", error.Message);
        Assert.Contains("TinyPeaBert", error.Message);
        Assert.Contains("PinnedWideStudent", error.Message);
        Assert.Same(StudentCatalog.Find("tinypeabert"), StudentCatalog.Get("TINYPEABERT"));
    }

    [Fact]
    public void Every_registered_task_is_valid()
    {
        foreach (TaskDefinition task in TaskRegistry.Glue.Append(TaskRegistry.Tsv()).Append(TaskRegistry.Tsv("sentence", "question", "score")))
        {
            task.Validate("task"); // throws naming the property when the registry holds a task the checks refuse
        }
    }

    public static TheoryData<string, Func<FineTuneOptions, FineTuneOptions>, string, string> FineTuneCases => new()
    {
        { "epochs", o => o with { Training = o.Training with { Epochs = 0 } }, "FineTuneOptions.Training.Epochs", "must be at least 1, got 0." },
        { "learning rate", o => o with { Training = o.Training with { LearningRate = double.NaN } }, "FineTuneOptions.Training.LearningRate", "got NaN." },
        { "model", o => o with { Teacher = "/nowhere/model" }, "FineTuneOptions.Teacher", "which is not a folder" },
        { "model without weights", o => o with { Teacher = WithoutWeights(o.Teacher) }, "FineTuneOptions.Teacher", "which has no weights" },
        { "max length", o => o with { MaxLength = 100 }, "FineTuneOptions.MaxLength", "more than the model's max_position_embeddings 24" },
        { "limit train", o => o with { LimitTrain = -3 }, "FineTuneOptions.LimitTrain", "got -3." },
        { "data", o => o with { Data = DataSource.InMemory([], [Good]) }, "FineTuneOptions.Data.Train", "holds no example" },
        { "output", o => o with { OutputFolder = " " }, "FineTuneOptions.OutputFolder", "is empty" },
        { "output is the model", o => o with { OutputFolder = o.Teacher }, "FineTuneOptions.OutputFolder", "the folder FineTuneOptions.Teacher names" },
    };

    [Theory]
    [MemberData(nameof(FineTuneCases))]
    public void An_invalid_fine_tuning_option_fails_before_anything_is_written(string name, Func<FineTuneOptions, FineTuneOptions> change, string property, string message)
    {
        using TempFolder folder = Setup();
        var valid = new FineTuneOptions
        {
            Data = DataSource.Files(TaskRegistry.Tsv(), folder.File("data")),
            Teacher = folder.File("pretrained"),
            OutputFolder = folder.File("teacher"),
            MaxLength = 16,
            Device = DeviceChoice.Cpu,
        };
        var error = Assert.Throws<InvalidOptionException>(() => PeaKdPipeline.FineTune(change(valid)));
        Assert.True(property == error.Property, $"{name}: named {error.Property}: {error.Message}");
        Assert.Contains(message, error.Message);
        Assert.False(Directory.Exists(folder.File("teacher")), $"{name}: the refused fine-tuning wrote its folder");
    }

    [Theory]
    [InlineData("batch", "TextClassifierOptions.BatchSize")]
    [InlineData("length", "TextClassifierOptions.MaxLength")]
    [InlineData("device", "TextClassifierOptions.Device")]
    public void An_invalid_classifier_option_is_refused_before_the_model_is_read(string what, string property)
    {
        TextClassifierOptions options = what switch
        {
            "batch" => new() { BatchSize = 0 },
            "length" => new() { MaxLength = 2 },
            _ => new() { Device = (DeviceChoice)3 },
        };
        var error = Assert.Throws<InvalidOptionException>(() => TextClassifier.Load("/nowhere/model", options)); // the folder is never looked at
        Assert.Equal(property, error.Property);
    }

    /// <summary>A copy of a model folder without its weights file, beside it.</summary>
    private static string WithoutWeights(string modelFolder)
    {
        string copy = modelFolder + "-no-weights";
        Directory.CreateDirectory(copy);
        foreach (string file in Directory.GetFiles(modelFolder).Where(f => !f.EndsWith(".safetensors", StringComparison.Ordinal)))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }
        return copy;
    }

    private static TempFolder Setup()
    {
        var folder = TestFiles.TempFolder();
        TinyTask.WriteData(folder.File("data"), train: 32, dev: 16);
        TinyTask.WriteRandomTeacher(folder.File("pretrained"));
        return folder;
    }

    /// <summary>A stage's options that set other values keep the stage's own epochs (PTP 2, the others 4); epochs set
    /// explicitly are kept as given.</summary>
    [Fact]
    public void A_partial_override_of_a_stages_training_options_keeps_its_default_epochs()
    {
        using TempFolder folder = TestFiles.TempFolder();
        PipelineOptions partial = TinyTask.Pipeline(folder, new TrainingOptions()) with
        {
            PtpTraining = new TrainingOptions { BatchSize = 16 },
            KdTraining = new TrainingOptions { LearningRate = 1e-4 },
            FineTuneTraining = new TrainingOptions { Epochs = 3 },
        };
        Assert.Equal(2, partial.PtpTraining.Epochs);
        Assert.Equal(16, partial.PtpTraining.BatchSize);
        Assert.Equal(4, partial.KdTraining.Epochs);
        Assert.Equal(3, partial.FineTuneTraining.Epochs);
        Assert.Equal(2, new PipelineOptions { Data = partial.Data, Teacher = "t", Student = partial.Student, OutputFolder = "o" }.PtpTraining.Epochs);
        Assert.Equal(4, (TinyTask.FineTune(folder, new TrainingOptions { BatchSize = 8 })).Training.Epochs);
        // options.json records the epochs each stage runs
        Assert.Equal(2, partial.ToJson()["ptp_training"]!["Epochs"]!.GetValue<int>());
    }
}
