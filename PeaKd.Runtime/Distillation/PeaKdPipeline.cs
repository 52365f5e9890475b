using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using PeaKd.Checkpoints;
using PeaKd.Data;
using PeaKd.Data.Tasks;
using PeaKd.Devices;
using PeaKd.Precision;
using PeaKd.Modeling;
using PeaKd.Runs;
using PeaKd.Students;
using PeaKd.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PeaKd.Distillation;

/// <summary>Everything one Pea-KD run needs.</summary>
public sealed record PipelineOptions
{
    public required TaskDefinition Task { get; init; }
    public required string DataFolder { get; init; }

    /// <summary>A fine-tuned teacher folder, or a pretrained one when <see cref="FineTuneTeacher"/> is set.</summary>
    public required string TeacherFolder { get; init; }

    /// <summary>Fine-tune <see cref="TeacherFolder"/> on the task first (stage 1).</summary>
    public bool FineTuneTeacher { get; init; }

    public required StudentDescriptor Student { get; init; }

    /// <summary>Teacher layers copied into the owned layers; null for the first k.</summary>
    public IReadOnlyList<int>? InitLayers { get; init; }

    /// <summary>Where teacher records live; null for the run's own record/ folder. Runs distilling one teacher
    /// can share a folder: a record is reused only when teacher, data, vocabulary and length match.</summary>
    public string? RecordFolder { get; init; }

    /// <summary>How the record stores the teacher's [CLS] states: fp32, or bf16 for half the disk and memory.</summary>
    public string RecordDtype { get; init; } = TeacherRecord.Fp32;

    public bool Ptp { get; init; } = true;
    public PtpThresholds PtpThresholds { get; init; } = PtpThresholds.Median;
    public KdSettings Kd { get; init; } = KdSettings.Pkd;

    public TrainingOptions FineTuning { get; init; } = new();
    public TrainingOptions PtpTraining { get; init; } = new() { Epochs = 2 };
    public TrainingOptions Distillation { get; init; } = new();

    public int MaxLength { get; init; } = 128;
    public int? LimitTrain { get; init; }
    public string Device { get; init; } = "auto";

    /// <summary>fp32, bf16 or auto (<see cref="PrecisionSelector"/>): how every stage computes.</summary>
    public string Precision { get; init; } = "fp32";
    public bool Resume { get; init; }

    /// <summary>Test hook standing in for a kill: (stage, step) returns true to stop after that step.</summary>
    public Func<string, long, bool>? StopAfterStep { get; init; }

    public JsonObject ToJson() => new()
    {
        ["task"] = Task.Name,
        ["data"] = Path.GetFullPath(DataFolder),
        ["teacher"] = Path.GetFullPath(TeacherFolder),
        ["finetune_teacher"] = FineTuneTeacher,
        ["student"] = Student.Name,
        ["init_layers"] = InitLayers is null ? null : new JsonArray(InitLayers.Select(l => (JsonNode)l).ToArray()),
        ["ptp"] = Ptp,
        ["ptp_thresholds"] = PtpThresholds.Mode == "explicit" ? $"{PtpThresholds.T1},{PtpThresholds.T2}" : PtpThresholds.Mode,
        ["alpha"] = Kd.Alpha,
        ["temperature"] = Kd.Temperature,
        ["beta"] = Kd.Beta,
        ["finetuning"] = JsonSerializer.SerializeToNode(FineTuning),
        ["ptp_training"] = JsonSerializer.SerializeToNode(PtpTraining),
        ["distillation"] = JsonSerializer.SerializeToNode(Distillation),
        ["max_length"] = MaxLength,
        ["limit_train"] = LimitTrain,
        ["device"] = Device,
        ["precision"] = Precision,
        ["record_dtype"] = RecordDtype,
    };
}

/// <summary>
/// The whole Pea-KD pipeline in the paper's order: (fine-tune the teacher) -> teacher record -> student
/// initialised from the teacher -> PTP labels and pretraining -> fresh classifier -> KD -> evaluation.
/// Every stage resumes where it stopped; summary.json holds the outcome.
/// </summary>
public static class PeaKdPipeline
{
    public static JsonObject Run(PipelineOptions options, RunFolder run, ITrainingProgress progress)
    {
        var total = Stopwatch.StartNew();
        options.Kd.Validate();
        _ = TeacherRecord.DtypeOf(options.RecordDtype); // an unknown dtype fails before anything is written
        Device device = DeviceSelector.Resolve(options.Device);
        (ComputePrecision precision, string precisionReason) = PrecisionSelector.Resolve(options.Precision, device);
        run.SaveOptions(options.ToJson(), options.Resume);
        progress.Message($"precision: {PrecisionSelector.Name(precision)} ({precisionReason})");
        if (options.Resume)
        {
            AtomicFile.RemoveTemporaries(run.Root); // partial files a kill left; never read, now gone
        }
        Func<long, bool>? Hook(string stage) => options.StopAfterStep is { } stop ? step => stop(stage, step) : null;
        var stages = new JsonObject();

        // 1. The teacher: fine-tuned here, or given.
        // Everything that can be checked before training is: the data (read and encoded, failing with file and line),
        // the length against the teacher's positions, the vocabulary and the student's pinned sizes.
        string teacherFolder = options.TeacherFolder;
        TaskData data = TaskData.Load(options.Task, options.DataFolder, teacherFolder, options.MaxLength, options.LimitTrain, run.FeatureCacheFolder);
        string teacherConfigPath = Path.Combine(teacherFolder, HfCheckpoint.ConfigFileName);
        StudentModel.CheckPins(options.Student.Plan, BertConfig.Load(teacherConfigPath), teacherConfigPath);
        if (options.FineTuneTeacher)
        {
            using LoadedCheckpoint pretrained = HfCheckpoint.Load(options.TeacherFolder);
            FreshWeightsSeed(options.FineTuning.Seed);
            using BertClassifier model = TeacherFineTuner.ForTask(pretrained, data);
            model.to(device);
            model.Precision = precision;
            TrainingResult tuned = TeacherFineTuner.Run(model, data, options.FineTuning, run, run.TeacherFolder, device, progress, options.Resume, Hook(TeacherFineTuner.StageName));
            stages[TeacherFineTuner.StageName] = Describe(tuned);
            teacherFolder = run.TeacherFolder;
        }
        using LoadedCheckpoint teacher = HfCheckpoint.Load(teacherFolder);
        if (teacher.Report.FreshClassifier || teacher.Model.Config.NumLabels != data.NumLabels)
        {
            throw new ArgumentException(
                $"{teacherFolder}: not a fine-tuned teacher for {data.Task.Name} ({(teacher.Report.FreshClassifier ? "it has no classifier" : $"{teacher.Model.Config.NumLabels} outputs, the task needs {data.NumLabels}")}). Fine-tune it first (peakd finetune), or let the run do it.");
        }
        teacher.Model.to(device);
        teacher.Model.Precision = precision;

        // 2. The teacher record: one pass over train and dev, reused when teacher, data and length match.
        // A record computed in bf16, or stored in bf16, is not the fp32 one: both are part of its key and its file name.
        string teacherHash = TeacherRecord.FolderHash(teacherFolder);
        (TeacherRecord Record, bool Reused) Record(string split) => TeacherRecord.LoadOrCompute(options.RecordFolder ?? run.RecordFolder, split,
            new TeacherRecordKey(teacherHash, data.Splits[split].Data.ContentHash + (split == "train" && options.LimitTrain is int n ? $"-first{n}" : ""), data.Encoder.VocabHash, data.MaxLength,
                PrecisionSelector.Name(precision), options.RecordDtype),
            () => TeacherRecord.Compute(teacher.Model, data.Splits[split].Features, data.Encoder.PaddingTokenId, options.Distillation.EvalBatchSize, device, options.RecordDtype),
            progress.Message);
        var (trainRecord, trainReused) = Record("train");
        var (devRecord, devReused) = Record("dev");
        using var disposeTrain = trainRecord;
        using var disposeDev = devRecord;
        progress.Message($"teacher record: train {(trainReused ? "reused" : "computed")}, dev {(devReused ? "reused" : "computed")} ({trainRecord.Layers} layers, [CLS] states in {options.RecordDtype})");
        IReadOnlyDictionary<string, double> teacherDev = Evaluator.Score(data, data.Dev, ToRows(devRecord.Logits)).Metrics!;

        // 3-4. The student, initialised from the teacher, pretrained with PTP when asked.
        BertConfig teacherConfig = teacher.Model.Config;
        FreshWeightsSeed(options.Distillation.Seed);
        using StudentModel student = options.Student.Create(teacherConfig, data.NumLabels);
        bool ptp = options.Ptp && !data.Task.IsRegression;
        if (ptp)
        {
            FreshWeightsSeed(options.PtpTraining.Seed);
            using StudentModel pretraining = options.Student.Create(teacherConfig, PtpLabels.Classes);
            pretraining.Precision = precision;
            StudentInitializer.FromTeacher(pretraining, teacher.Model, options.InitLayers);
            pretraining.to(device);
            PtpSummary summary = PtpPretrainer.Run(pretraining, data, trainRecord, devRecord, options.PtpThresholds, options.PtpTraining, run, device, progress, options.Resume, Hook(PtpPretrainer.StageName));
            FreshWeightsSeed(options.Distillation.Seed);
            PtpPretrainer.TransferEncoder(pretraining, student);
            JsonObject ptpNode = Describe(summary.Training);
            ptpNode["t1"] = summary.T1;
            ptpNode["t2"] = summary.T2;
            ptpNode["train_label_counts"] = new JsonArray(summary.TrainCounts.Select(c => (JsonNode)c).ToArray());
            stages[PtpPretrainer.StageName] = ptpNode;
        }
        else
        {
            StudentInitializer.FromTeacher(student, teacher.Model, options.InitLayers);
        }
        student.to(device);
        student.Precision = precision;

        // 5. KD from the record.
        // The patient map matters only with a patient term (beta > 0); without one, no map is checked.
        PatientMap map = options.Kd.Beta > 0 ? PatientMaps.For(student.Plan, trainRecord.Layers) : new PatientMap([], []);
        KdSettings kd = map.StudentLayers.Count == 0 ? options.Kd with { Beta = 0 } : options.Kd;
        TrainingResult distilled = KnowledgeDistiller.Run(student, data, trainRecord, kd, map, options.Distillation, run, device, progress, options.Resume, Hook(KnowledgeDistiller.StageName));
        JsonObject kdNode = Describe(distilled);
        kdNode["alpha"] = kd.Alpha;
        kdNode["temperature"] = kd.Temperature;
        kdNode["beta"] = kd.Beta;
        kdNode["patient_map"] = map.ToString();
        stages[KnowledgeDistiller.StageName] = kdNode;

        // 6. Evaluate and write everything down.
        SaveStudent(student, data, run.StudentFolder);
        var metrics = new JsonObject();
        foreach (string split in data.Splits.Keys.Where(s => s != "train"))
        {
            IReadOnlyDictionary<string, double>? scores = Evaluator.Evaluate(student, data, split, device, options.Distillation.EvalBatchSize, run.Predictions(split));
            if (scores is not null)
            {
                metrics[split] = new JsonObject(scores.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)s.Value)));
            }
        }
        double trainingSeconds = stages.Sum(s => s.Value!["seconds"]!.GetValue<double>());
        long trainedExamples = stages.Sum(s => (long)Math.Round(s.Value!["seconds"]!.GetValue<double>() * s.Value!["examples_per_second"]!.GetValue<double>()));
        var summaryJson = new JsonObject
        {
            ["task"] = data.Task.Name,
            ["student"] = student.Plan.Name,
            ["plan"] = student.Plan.ToString(),
            ["owned_layers"] = student.Plan.OwnedLayers,
            ["effective_depth"] = student.Plan.EffectiveDepth,
            ["owned_parameters"] = ParameterCount.Backbone(student.Config, student.Plan.OwnedLayers),
            ["parameters_with_classifier"] = student.parameters().Sum(p => p.numel()),
            ["teacher"] = new JsonObject
            {
                ["folder"] = Path.GetFullPath(teacherFolder),
                ["layers"] = teacherConfig.NumHiddenLayers,
                ["parameters"] = ParameterCount.Backbone(teacherConfig, teacherConfig.NumHiddenLayers),
                ["dev"] = new JsonObject(teacherDev.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)s.Value))),
            },
            ["ptp"] = ptp,
            ["metrics"] = metrics,
            ["stages"] = stages,
            ["training_seconds"] = trainingSeconds,
            ["examples_per_second"] = trainingSeconds > 0 ? trainedExamples / trainingSeconds : 0,
            ["wall_seconds"] = total.Elapsed.TotalSeconds,
            ["device"] = device.type.ToString().ToLowerInvariant(),
            ["threads"] = get_num_threads(),
            ["precision"] = PrecisionSelector.Name(precision),
        };
        run.WriteSummary(summaryJson);
        return summaryJson;
    }

    /// <summary>Writes the student: config.json, model.safetensors, vocab and student.json (its name and plan).
    /// Shared layers are stored once; export unrolls them for other runtimes.</summary>
    public static void SaveStudent(StudentModel student, TaskData data, string folder)
    {
        Directory.CreateDirectory(folder);
        WeightsFile.WriteSafetensors(Path.Combine(folder, HfCheckpoint.SafetensorsFileName), student.state_dict());
        TeacherFineTuner.TaskConfig(student.Config, data).Save(Path.Combine(folder, HfCheckpoint.ConfigFileName));
        AtomicFile.Write(Path.Combine(folder, HfCheckpoint.VocabFileName), temporary => File.Copy(data.Encoder.VocabFile, temporary, overwrite: true));
        TeacherFineTuner.CopyTokenizerConfig(Path.GetDirectoryName(data.Encoder.VocabFile)!, folder);
        var description = new JsonObject
        {
            ["student"] = student.Plan.Name,
            ["plan"] = student.Plan.ToString(),
            ["owned_layers"] = student.Plan.OwnedLayers,
            ["effective_depth"] = student.Plan.EffectiveDepth,
        };
        AtomicFile.WriteAllText(Path.Combine(folder, "student.json"), description.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>Seeds the global generator before fresh weights are drawn, so they depend only on the options and not on
    /// what ran earlier in the process: a resumed run skips finished stages (and their draws), yet must initialise the
    /// next stage exactly as the uninterrupted run did.</summary>
    private static void FreshWeightsSeed(int seed) => manual_seed(seed);

    private static JsonObject Describe(TrainingResult result) => new()
    {
        ["steps"] = result.Steps,
        ["seconds"] = result.Seconds,
        ["examples_per_second"] = result.ExamplesPerSecond,
        ["best_score"] = result.BestScore,
        ["best_step"] = result.BestStep,
        ["best_dev"] = result.BestMetrics is null ? null : new JsonObject(result.BestMetrics.Select(m => KeyValuePair.Create(m.Key, (JsonNode?)m.Value))),
    };

    private static float[][] ToRows(Tensor logits)
    {
        float[] values = logits.data<float>().ToArray();
        int width = (int)logits.shape[1];
        return Enumerable.Range(0, (int)logits.shape[0]).Select(i => values.AsSpan(i * width, width).ToArray()).ToArray();
    }
}
