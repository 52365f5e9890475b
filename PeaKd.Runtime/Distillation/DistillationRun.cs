using System.Diagnostics;
using PeaKd.Checkpoints;
using PeaKd.Data;
using PeaKd.Data.Metrics;
using PeaKd.Data.Tasks;
using PeaKd.Devices;
using PeaKd.IO;
using PeaKd.Inference;
using PeaKd.Modeling;
using PeaKd.Options;
using PeaKd.Precision;
using PeaKd.Runs;
using PeaKd.Students;
using PeaKd.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PeaKd.Distillation;

/// <summary>
/// One Pea-KD run, stage by stage. <see cref="Prepare"/> checks the options against the teacher and reads the data,
/// writing nothing; <see cref="Execute"/> runs the stages in the paper's order, each a method of its own.
/// </summary>
internal sealed class DistillationRun : IDisposable
{
    private const string Options = nameof(PipelineOptions);

    private readonly PipelineOptions _options;
    private readonly RunFolder _run;
    private readonly Device _device;
    private readonly (ComputePrecision Value, string Reason) _precision;
    private readonly IReadOnlyList<Dataset> _datasets;
    private readonly IProgress<TrainingProgress>? _progress;
    private readonly CancellationToken _cancellation;
    private readonly Stopwatch _clock;
    private readonly string? _pretrainedFolder; // the model students start from with StudentInit.Pretrained; null: the teacher
    private LoadedCheckpoint? _givenTeacher; // a fine-tuned teacher given by the options, loaded (and checked) up front
    private IDisposable? _folderLock; // held from the first write to the end: one run per folder

    private DistillationRun(PipelineOptions options, Device device, (ComputePrecision, string) precision, IReadOnlyList<Dataset> datasets,
        string? pretrainedFolder, LoadedCheckpoint? givenTeacher, IProgress<TrainingProgress>? progress, CancellationToken cancellation, Stopwatch clock)
    {
        _pretrainedFolder = pretrainedFolder;
        _options = options;
        _run = new RunFolder(options.OutputFolder) { Retention = options.KeepCheckpoints };
        _device = device;
        _precision = precision;
        _datasets = datasets;
        _givenTeacher = givenTeacher;
        _progress = progress;
        _cancellation = cancellation;
        _clock = clock;
    }

    /// <summary>Every check that can run before training, in the order a user would fix them: the options on their own,
    /// then against the teacher's config, then the data (every row), then the teacher's classifier, then the model the
    /// student starts from. Nothing is written.</summary>
    public static DistillationRun Prepare(PipelineOptions options, IProgress<TrainingProgress>? progress, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        options.Validate();
        Device device = DeviceSelector.Resolve(options.Device, $"{Options}.{nameof(PipelineOptions.Device)}");
        var precision = PrecisionSelector.Resolve(options.Precision, device);
        (BertConfig teacherConfig, string configPath) = RunOptionCheck.ModelFolder($"{Options}.{nameof(PipelineOptions.Teacher)}", options.Teacher);
        CheckAgainstTeacher(options, teacherConfig, configPath);
        TaskData.CheckTokenizer(options.Teacher);
        HfCheckpoint.CheckLoadable(options.Teacher); // the weights against the config, before anything is written
        LoadedCheckpoint? teacher = options.FineTuneTeacher ? null : LoadTrainedTeacher(options);
        try
        {
            // A given teacher's outputs mean its labels, in its order: data whose labels come from train is read in that order.
            IReadOnlyList<string>? teacherLabels = teacher is null || options.Data.Task.IsRegression || options.Data.Task.Labels is not null
                ? null : ModelFolder.LabelNames(teacher.Model.Config);
            IReadOnlyList<Dataset> datasets = options.Data.Read(options.LimitTrain, teacherLabels);
            if (!options.Data.Task.IsRegression)
            {
                options.Data.Task.PositiveLabelId(datasets[0].Labels, $"{Options}.{nameof(PipelineOptions.Data)}.{nameof(DataSource.Task)}"); // before training, not at the first score
            }
            if (teacher is not null)
            {
                CheckTeacherFitsTask(options, teacher, datasets[0]);
            }
            string? pretrainedFolder = InitSource(options, teacherConfig, configPath);
            return new DistillationRun(options, device, precision, datasets, pretrainedFolder, teacher, progress, cancellation, clock);
        }
        catch
        {
            teacher?.Dispose();
            throw;
        }
    }

    /// <summary>Runs the stages and writes the summary.</summary>
    public DistillationResult Execute()
    {
        _cancellation.ThrowIfCancellationRequested(); // a run cancelled before it started writes nothing
        _run.CheckHoldsNothingElse(Options);
        _folderLock = _run.Lock(Options);
        _run.Claim(_options.Resume, _options.Overwrite, Options);
        _run.SaveOptions(_options.ToJson(PositiveLabel(_options.Data.Task, _datasets[0])), _options.Resume, Options, PipelineOptions.JsonProperties,
            OlderRunValues(_options.Data.Task, _datasets[0]));
        Note($"precision: {PrecisionSelector.Name(_precision.Value)} ({_precision.Reason})");
        if (_options.Resume)
        {
            AtomicFile.RemoveTemporaries(_run.Root); // partial files a kill left; never read, now gone
        }
        TaskData data = TaskData.Encode(_options.Data.Task, _datasets, _options.Teacher, _options.MaxLength, _run.FeatureCacheFolder);

        (string teacherFolder, StageResult? fineTune) = TeacherStage(data);
        using LoadedCheckpoint teacher = _givenTeacher ?? HfCheckpoint.Load(teacherFolder);
        _givenTeacher = null;
        teacher.Model.to(_device);
        teacher.Model.Precision = _precision.Value;

        (TeacherRecord train, TeacherRecord dev) = RecordStage(teacher.Model, teacherFolder, data);
        using (train)
        using (dev)
        {
            (StudentModel student, PtpStageResult? ptp) = StudentStage(teacher.Model, data, train, dev);
            using (student)
            {
                KdStageResult kd = DistillStage(student, data, train);
                return Finish(student, teacher.Model, teacherFolder, data, dev, new DistillationStages(fineTune, ptp, kd));
            }
        }
    }

    public void Dispose()
    {
        _givenTeacher?.Dispose();
        _folderLock?.Dispose();
    }

    /// <summary>Stage 1: the teacher, fine-tuned here into the run's teacher/ folder, or the given one.</summary>
    private (string Folder, StageResult? Stage) TeacherStage(TaskData data)
    {
        if (!_options.FineTuneTeacher)
        {
            return (_options.Teacher, null);
        }
        using LoadedCheckpoint pretrained = HfCheckpoint.Load(_options.Teacher);
        FreshWeightsSeed(_options.FineTuning.Seed);
        using BertClassifier model = TeacherFineTuner.ForTask(pretrained, _options.Teacher, data);
        model.to(_device);
        model.Precision = _precision.Value;
        TrainingResult tuned = TeacherFineTuner.Run(model, data, _options.FineTuning, $"{Options}.{nameof(PipelineOptions.FineTuning)}", _run, _run.TeacherFolder, _device, _progress, _options.Resume, _cancellation);
        return (_run.TeacherFolder, StageResult.From(tuned));
    }

    /// <summary>Stage 2: one teacher pass over train and dev, reused when teacher, data, vocabulary, length and precision
    /// match. A record computed in bf16, or stored in bf16, is not the fp32 one: both are part of its key and file name.</summary>
    private (TeacherRecord Train, TeacherRecord Dev) RecordStage(BertClassifier teacher, string teacherFolder, TaskData data)
    {
        _cancellation.ThrowIfCancellationRequested();
        string teacherHash = TeacherRecord.FolderHash(teacherFolder);
        string folder = _options.RecordFolder ?? _run.RecordFolder;
        (TeacherRecord Record, bool Reused) Record(string split) => TeacherRecord.LoadOrCompute(folder, split,
            new TeacherRecordKey(teacherHash, data.Splits[split].Data.ContentHash, data.Encoder.VocabHash, data.MaxLength,
                PrecisionSelector.Name(_precision.Value), TeacherRecord.Name(_options.RecordDtype)),
            () => TeacherRecord.Compute(teacher, data.Splits[split].Features, data.Encoder.PaddingTokenId, _options.Distillation.EvalBatchSize, _device, _options.RecordDtype, _cancellation),
            Note);
        var (train, trainReused) = Record("train");
        var (dev, devReused) = Record("dev");
        Note($"teacher record: train {(trainReused ? "reused" : "computed")}, dev {(devReused ? "reused" : "computed")} ({train.Layers} layers, [CLS] states in {TeacherRecord.Name(_options.RecordDtype)})");
        return (train, dev);
    }

    /// <summary>Stages 3-4: the student, initialised from the pretrained model (or the teacher) and, with PTP, pretrained
    /// on the teacher's predictions; then its encoder gets a fresh task classifier.</summary>
    private (StudentModel Student, PtpStageResult? Ptp) StudentStage(BertClassifier teacher, TaskData data, TeacherRecord train, TeacherRecord dev)
    {
        _cancellation.ThrowIfCancellationRequested();
        using LoadedCheckpoint? pretrained = _pretrainedFolder is null ? null : HfCheckpoint.Load(_pretrainedFolder);
        BertClassifier source = pretrained?.Model ?? teacher;
        string sourceName = pretrained is null ? "teacher" : "pretrained model";
        FreshWeightsSeed(_options.Distillation.Seed);
        StudentModel student = _options.Student.Create(teacher.Config, data.NumLabels);
        PtpStageResult? ptp = null;
        try
        {
            if (_options.Ptp && !data.Task.IsRegression)
            {
                FreshWeightsSeed(_options.PtpTraining.Seed);
                using StudentModel pretraining = _options.Student.Create(teacher.Config, PtpLabels.Classes);
                pretraining.Precision = _precision.Value;
                StudentInitializer.From(pretraining, source, sourceName, _options.InitLayers);
                pretraining.to(_device);
                PtpSummary summary = PtpPretrainer.Run(pretraining, data, train, dev, _options.PtpThresholds, _options.PtpTraining, $"{Options}.{nameof(PipelineOptions.PtpTraining)}", _run, _device, _progress, _options.Resume, _cancellation);
                FreshWeightsSeed(_options.Distillation.Seed);
                PtpPretrainer.TransferEncoder(pretraining, student);
                ptp = new PtpStageResult(StageResult.From(summary.Training), summary.Labels);
            }
            else
            {
                StudentInitializer.From(student, source, sourceName, _options.InitLayers);
            }
            student.to(_device);
            student.Precision = _precision.Value;
            return (student, ptp);
        }
        catch
        {
            student.Dispose();
            throw;
        }
    }

    /// <summary>Stage 5: KD from the record. The patient map matters only with a patient term (beta > 0); a student
    /// with no layer to match (a 1-layer plain student) distils with beta 0, and the result says so.</summary>
    private KdStageResult DistillStage(StudentModel student, TaskData data, TeacherRecord train)
    {
        _cancellation.ThrowIfCancellationRequested();
        PatientMap map = _options.Kd.Beta > 0 ? PatientMaps.For(student.Plan, train.Layers) : new PatientMap([], []);
        KdSettings kd = map.StudentLayers.Count == 0 ? _options.Kd with { Beta = 0 } : _options.Kd;
        TrainingResult distilled = KnowledgeDistiller.Run(student, data, train, kd, map, _options.Distillation, $"{Options}.{nameof(PipelineOptions.Distillation)}", _run, _device, _progress, _options.Resume, _cancellation);
        return new KdStageResult(StageResult.From(distilled), kd, map.ToString());
    }

    /// <summary>Stage 6: the student written to student/, teacher and student scored on every labelled split, summary.json.</summary>
    private DistillationResult Finish(StudentModel student, BertClassifier teacher, string teacherFolder, TaskData data, TeacherRecord devRecord, DistillationStages stages)
    {
        StudentFolder.Save(student, data, _run.StudentFolder, teacherFolder);
        int batchSize = _options.Distillation.EvalBatchSize;
        var metrics = new Dictionary<string, SplitMetrics>();
        var predictions = new Dictionary<string, string>();
        var warnings = new List<string>();
        foreach (string split in data.Splits.Keys.Where(s => s != "train"))
        {
            predictions[split] = _run.Predictions(split);
            if (Evaluator.Evaluate(student, data, split, _device, batchSize, predictions[split], _cancellation, warnings, "the student") is { } scores)
            {
                metrics[split] = scores;
            }
        }
        var teacherMetrics = new Dictionary<string, SplitMetrics>
        {
            ["dev"] = Evaluator.Score(data, data.Dev, ToRows(devRecord.Logits)).Metrics!, // the record holds the dev pass
        };
        foreach (string split in data.Splits.Keys.Where(s => s is not ("train" or "dev") && data.Splits[s].Data.HasLabels))
        {
            if (Evaluator.Evaluate(teacher, data, split, _device, batchSize, predictionsFile: null, _cancellation) is { } scores)
            {
                teacherMetrics[split] = scores;
            }
        }

        StageResult[] ran = new StageResult?[] { stages.FineTune, stages.Ptp, stages.Kd }.OfType<StageResult>().ToArray();
        double trainingSeconds = ran.Sum(s => s.Seconds);
        double examples = ran.Sum(s => s.Seconds * s.ExamplesPerSecond);
        BertConfig teacherConfig = teacher.Config;
        var result = new DistillationResult
        {
            Task = data.Task.Name,
            PositiveLabel = data.PositiveLabel,
            Student = student.Plan.Name,
            Plan = student.Plan.ToString(),
            OwnedLayers = student.Plan.OwnedLayers,
            EffectiveDepth = student.Plan.EffectiveDepth,
            OwnedParameters = ParameterCount.Backbone(student.Config, student.Plan.OwnedLayers),
            ParametersWithClassifier = student.parameters().Sum(p => p.numel()),
            Teacher = new TeacherSummary(Path.GetFullPath(teacherFolder), teacherConfig.NumHiddenLayers,
                ParameterCount.Backbone(teacherConfig, teacherConfig.NumHiddenLayers), teacherMetrics),
            Init = new StudentInitSummary(_options.InitFrom, Path.GetFullPath(_pretrainedFolder ?? teacherFolder),
                _options.InitLayers ?? Enumerable.Range(0, student.Plan.OwnedLayers).ToArray()),
            Ptp = stages.Ptp is not null,
            Metrics = metrics,
            Warnings = warnings,
            Stages = stages,
            TrainingSeconds = trainingSeconds,
            ExamplesPerSecond = trainingSeconds > 0 ? examples / trainingSeconds : 0,
            WallSeconds = _clock.Elapsed.TotalSeconds,
            Device = DeviceSelector.Name(_device),
            Threads = get_num_threads(),
            Precision = PrecisionSelector.Name(_precision.Value),
            Paths = new RunPaths(_run.Root, _run.StudentFolder, Path.GetFullPath(teacherFolder), predictions),
        };
        _run.WriteSummary(result.ToJson(), Folders.FolderKind.Run, teacherFolder);
        return result;
    }

    /// <summary>The checks of the options against the teacher's config: lengths, sizes and layers must exist in it.</summary>
    private static void CheckAgainstTeacher(PipelineOptions options, BertConfig teacher, string configPath)
    {
        RunOptionCheck.MaxLengthFits($"{Options}.{nameof(PipelineOptions.MaxLength)}", options.MaxLength, teacher, configPath);
        StudentModel.CheckPins(options.Student.Plan, teacher, configPath);
        int layers = teacher.NumHiddenLayers;
        if (options.Kd.Beta > 0)
        {
            if (PatientMaps.LayerBeyond(options.Student.Plan, layers) is int beyond)
            {
                throw new InvalidOptionException($"{Options}.{nameof(PipelineOptions.Student)}",
                    $"is {options.Student.Name}, whose [PatientMap] names teacher layer {beyond}, but the teacher has {layers} layers (0..{layers - 1}, {configPath}). " +
                    $"Use a teacher with more layers, a student whose map fits, or no patient term ({Options}.{nameof(PipelineOptions.Kd)}.{nameof(KdSettings.Beta)} 0).");
            }
        }
        if (options.Ptp && options.PtpThresholds.Mode == PtpThresholdMode.Paper && !options.Data.Task.IsRegression
            && PtpLabels.PaperThresholds(options.Data.Task.Name) is null)
        {
            throw new InvalidOptionException($"{Options}.{nameof(PipelineOptions.PtpThresholds)}",
                $"is Paper, but the paper gives PTP thresholds only for {string.Join(", ", PtpLabels.PaperTasks)}, not {options.Data.Task.Name}; use Median or fixed values (PtpThresholds.Of).");
        }
    }

    /// <summary>The pretrained model the student starts from (<see cref="PipelineOptions.InitFrom"/>): given, recorded by
    /// the teacher, or the one this run fine-tunes; it must have the teacher's sizes and vocabulary. Null when the
    /// student starts from the teacher. Either way the layers copied must exist in the model they come from.</summary>
    private static string? InitSource(PipelineOptions options, BertConfig teacher, string teacherConfigPath)
    {
        string property = $"{Options}.{nameof(PipelineOptions.Pretrained)}";
        string? folder = null;
        BertConfig source = teacher;
        string sourcePath = teacherConfigPath;
        if (options.InitFrom == StudentInit.Pretrained)
        {
            string ask = $"Give the pretrained model the teacher was fine-tuned from as {property}, or set {Options}.{nameof(PipelineOptions.InitFrom)} to Teacher.";
            folder = options.Pretrained ?? (options.FineTuneTeacher ? options.Teacher : teacher.NameOrPath)
                ?? throw new InvalidOptionException(property,
                    $"is not set, and the teacher's {teacherConfigPath} does not record the model it was fine-tuned from (no _name_or_path). {ask}");
            if (options.Pretrained is null && !Directory.Exists(folder))
            {
                throw new InvalidOptionException(property,
                    $"is not set, and the model the teacher records as its base ('{folder}', _name_or_path in {teacherConfigPath}) is not a folder here. {ask}");
            }
            try
            {
                (source, sourcePath) = RunOptionCheck.ModelFolder(property, folder);
                HfCheckpoint.CheckLoadable(folder);
            }
            catch (InvalidOptionException e) when (options.Pretrained is null)
            {
                throw new InvalidOptionException(property, $"is not set; {e.Problem.Replace("is '", "the teacher's base model is '", StringComparison.Ordinal)} (recorded as _name_or_path in {teacherConfigPath}). {ask}");
            }
            foreach ((string field, int value, int teachers) in new[]
                     {
                         ("hidden_size", source.HiddenSize, teacher.HiddenSize), ("num_attention_heads", source.NumAttentionHeads, teacher.NumAttentionHeads),
                         ("intermediate_size", source.IntermediateSize, teacher.IntermediateSize), ("vocab_size", source.VocabSize, teacher.VocabSize),
                         ("type_vocab_size", source.TypeVocabSize, teacher.TypeVocabSize), ("max_position_embeddings", source.MaxPositionEmbeddings, teacher.MaxPositionEmbeddings),
                     })
            {
                if (value != teachers)
                {
                    throw new InvalidOptionException(property,
                        $"is '{folder}', whose {field} is {value} where the teacher's is {teachers} ({sourcePath}); students start from the model their teacher was fine-tuned from, which has the teacher's sizes. {ask}");
                }
            }
            string vocab = Path.Combine(folder, HfCheckpoint.VocabFileName);
            string teacherVocab = Path.Combine(options.Teacher, HfCheckpoint.VocabFileName);
            if (File.Exists(teacherVocab) && Folders.FileHashes.Sha256(vocab) != Folders.FileHashes.Sha256(teacherVocab))
            {
                throw new InvalidOptionException(property, $"is '{folder}', whose {vocab} differs from the teacher's {teacherVocab}: its embeddings mean other tokens. {ask}");
            }
        }
        int available = source.NumHiddenLayers;
        IReadOnlyList<int> taken = options.InitLayers ?? Enumerable.Range(0, options.Student.Plan.OwnedLayers).ToArray();
        if (taken.FirstOrDefault(l => l >= available, -1) is int missing and >= 0)
        {
            string which = options.InitFrom == StudentInit.Pretrained ? "the pretrained model" : "the teacher";
            throw new InvalidOptionException($"{Options}.{(options.InitLayers is null ? nameof(PipelineOptions.Student) : nameof(PipelineOptions.InitLayers))}",
                options.InitLayers is null
                    ? $"is {options.Student.Name}, which owns {taken.Count} layers, but {which} it starts from has {available} ({sourcePath})."
                    : $"lists layer {missing}, but {which} the student starts from has layers 0..{available - 1} ({sourcePath}).");
        }
        return folder;
    }

    /// <summary>A given teacher must have a trained classifier.</summary>
    private static LoadedCheckpoint LoadTrainedTeacher(PipelineOptions options)
    {
        LoadedCheckpoint teacher = HfCheckpoint.Load(options.Teacher);
        if (teacher.Report.FreshClassifier)
        {
            teacher.Dispose();
            throw NotATeacherFor(options, "it has no classifier");
        }
        return teacher;
    }

    /// <summary>A given teacher must be fine-tuned for this task: one output per label, its labels in the task's order.</summary>
    private static void CheckTeacherFitsTask(PipelineOptions options, LoadedCheckpoint teacher, Dataset train)
    {
        int needed = TaskData.OutputsFor(options.Data.Task, train);
        IReadOnlyList<string>? names = ModelFolder.LabelNames(teacher.Model.Config);
        string? problem = teacher.Model.Config.NumLabels != needed ? $"it has {teacher.Model.Config.NumLabels} outputs, the task needs {needed}"
            : names is not null && !options.Data.Task.IsRegression && !names.SequenceEqual(train.Labels) && names.Order().SequenceEqual(train.Labels.Order())
            ? $"its labels come in another order ({string.Join(", ", names)}) than the task's ({string.Join(", ", train.Labels)}), so its outputs would be read as the wrong classes"
            : null;
        if (problem is not null)
        {
            throw NotATeacherFor(options, problem);
        }
    }

    private static InvalidOptionException NotATeacherFor(PipelineOptions options, string problem) =>
        new($"{Options}.{nameof(PipelineOptions.Teacher)}",
            $"is '{options.Teacher}', which is not a fine-tuned teacher for {options.Data.Task.Name} ({problem}). Fine-tune it first with PeaKdPipeline.FineTune.");

    /// <summary>The class F1 scores on this data (<see cref="TaskDefinition.PositiveLabel"/> resolved), or null for regression.</summary>
    internal static string? PositiveLabel(TaskDefinition task, Dataset train) =>
        task.IsRegression ? null : train.Labels[task.PositiveLabelId(train.Labels, "Data.Task")];

    /// <summary>What runs of versions before the positive label was recorded did: F1 of train's second label (id 1).</summary>
    internal static System.Text.Json.Nodes.JsonObject OlderRunValues(TaskDefinition task, Dataset train) =>
        new() { ["positive_label"] = task.IsRegression || train.Labels.Count < 2 ? null : train.Labels[1] };

    private void Note(string message) => _progress?.Report(TrainingProgress.Note("", message));

    /// <summary>Seeds the global generator before fresh weights are drawn, so they depend only on the options and not on
    /// what ran earlier in the process: a resumed run skips finished stages (and their draws), yet must initialise the
    /// next stage exactly as the uninterrupted run did.</summary>
    private static void FreshWeightsSeed(int seed) => manual_seed(seed);

    private static float[][] ToRows(Tensor logits)
    {
        float[] values = logits.data<float>().ToArray();
        int width = (int)logits.shape[1];
        return Enumerable.Range(0, (int)logits.shape[0]).Select(i => values.AsSpan(i * width, width).ToArray()).ToArray();
    }
}
