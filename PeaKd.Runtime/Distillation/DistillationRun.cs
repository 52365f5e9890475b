using PeaKd.Checkpoints;
using PeaKd.Data;
using PeaKd.Data.Metrics;
using PeaKd.Data.Tasks;
using PeaKd.Devices;
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
/// One Pea-KD run, stage by stage. <see cref="Prepare"/> opens the run's session and runs the checks
/// (<see cref="DistillationChecks"/>), writing nothing; <see cref="Execute"/> runs the stages in the paper's order,
/// each a method of its own.
/// </summary>
internal sealed class DistillationRun : IDisposable
{
    private static readonly OptionPath Options = new(nameof(PipelineOptions));

    private readonly PipelineOptions _options;
    private readonly RunSession _session;
    private readonly DistillationInputs _inputs;
    private LoadedCheckpoint? _givenTeacher; // a fine-tuned teacher given by the options, loaded (and checked) up front; the run takes it over

    private DistillationRun(PipelineOptions options, RunSession session, DistillationInputs inputs)
    {
        _options = options;
        _session = session;
        _inputs = inputs;
        _givenTeacher = inputs.GivenTeacher;
    }

    /// <summary>Every check that can run before training, in the order a user would fix them: the options on their own,
    /// the device they ask for, then <see cref="DistillationChecks"/>. Nothing is written.</summary>
    public static DistillationRun Prepare(PipelineOptions options, IProgress<TrainingProgress>? progress, CancellationToken cancellation)
    {
        options.Validate();
        var session = RunSession.Open(Options, options.RunSettings, progress, cancellation);
        try
        {
            return new DistillationRun(options, session, DistillationChecks.Run(options, Options));
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Runs the stages and writes the summary.</summary>
    public DistillationResult Execute()
    {
        RunData read = _inputs.Data;
        _session.Start(_options.ToJson(read.PositiveLabel), PipelineOptions.JsonProperties, read.OlderRunValues);
        TaskData data = read.Encode(_options.Teacher, _options.MaxLength, _session.Folder);

        (string teacherFolder, StageResult? fineTune) = TeacherStage(data);
        using LoadedCheckpoint teacher = _givenTeacher ?? HfCheckpoint.Load(teacherFolder);
        _givenTeacher = null;
        _session.Place(teacher.Model);

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
        _session.Dispose();
    }

    /// <summary>Stage 1: the teacher, fine-tuned here into the run's teacher/ folder, or the given one.</summary>
    private (string Folder, StageResult? Stage) TeacherStage(TaskData data)
    {
        if (!_options.FineTuneTeacher)
        {
            return (_options.Teacher, null);
        }
        using LoadedCheckpoint pretrained = HfCheckpoint.Load(_options.Teacher);
        FreshWeightsSeed(_options.FineTuneTraining.Seed);
        using BertClassifier model = TeacherFineTuner.ForTask(pretrained, _options.Teacher, data);
        _session.Place(model);
        RunStage stage = _session.Stage(TeacherFineTuner.StageName, _options.FineTuneTraining, Options / nameof(PipelineOptions.FineTuneTraining));
        TrainingResult tuned = TeacherFineTuner.Run(stage, model, data, _session.Folder.TeacherFolder);
        return (_session.Folder.TeacherFolder, StageResult.From(tuned));
    }

    /// <summary>Stage 2: one teacher pass over train and dev, reused when teacher, data, vocabulary, length and precision
    /// match. A record computed in bf16, or stored in bf16, is not the fp32 one: both are part of its key and file name.</summary>
    private (TeacherRecord Train, TeacherRecord Dev) RecordStage(BertClassifier teacher, string teacherFolder, TaskData data)
    {
        _session.Cancellation.ThrowIfCancellationRequested();
        string teacherHash = TeacherRecord.FolderHash(teacherFolder);
        var (train, trainReused) = Record(teacher, teacherHash, data, "train");
        var (dev, devReused) = Record(teacher, teacherHash, data, "dev");
        _session.Note($"teacher record: train {(trainReused ? "reused" : "computed")}, dev {(devReused ? "reused" : "computed")} ({train.Layers} layers, [CLS] states in {TeacherRecord.Name(_options.RecordDtype)})");
        return (train, dev);
    }

    /// <summary>The teacher's pass over <paramref name="split"/>: the saved record when its key matches, else computed and saved.</summary>
    private (TeacherRecord Record, bool Reused) Record(BertClassifier teacher, string teacherHash, TaskData data, string split) =>
        TeacherRecord.LoadOrCompute(_options.RecordFolder ?? _session.Folder.RecordFolder, split,
            TeacherRecordKey.For(teacherHash, data.Splits[split].Data, data.Encoder, data.MaxLength, _session.Precision, _options.RecordDtype),
            () => TeacherRecord.Compute(teacher, data.Splits[split].Features, data.Encoder.PaddingTokenId, _options.KdTraining.EvalBatchSize, _session.Device, _options.RecordDtype, _session.Cancellation),
            _session.Note, _session.Cancellation);

    /// <summary>Stages 3-4: the student, initialised from the pretrained model (or the teacher) and, with PTP, pretrained
    /// on the teacher's predictions; then its encoder gets a fresh task classifier.</summary>
    private (StudentModel Student, PtpStageResult? Ptp) StudentStage(BertClassifier teacher, TaskData data, TeacherRecord train, TeacherRecord dev)
    {
        _session.Cancellation.ThrowIfCancellationRequested();
        using LoadedCheckpoint? pretrained = _inputs.PretrainedFolder is null ? null : HfCheckpoint.Load(_inputs.PretrainedFolder);
        BertClassifier source = pretrained?.Model ?? teacher;
        string sourceName = pretrained is null ? "teacher" : "pretrained model";
        FreshWeightsSeed(_options.KdTraining.Seed);
        StudentModel student = _options.Student.Create(teacher.Config, data.NumLabels);
        PtpStageResult? ptp = null;
        try
        {
            if (_options.Ptp && !data.Task.IsRegression)
            {
                FreshWeightsSeed(_options.PtpTraining.Seed);
                using StudentModel pretraining = _options.Student.Create(teacher.Config, PtpLabels.Classes);
                pretraining.Precision = _session.Precision;
                StudentInitializer.From(pretraining, source, sourceName, _options.InitLayers);
                pretraining.to(_session.Device);
                RunStage stage = _session.Stage(PtpPretrainer.StageName, _options.PtpTraining, Options / nameof(PipelineOptions.PtpTraining));
                PtpSummary summary = PtpPretrainer.Run(stage, pretraining, data, train, dev, _options.PtpThresholds);
                FreshWeightsSeed(_options.KdTraining.Seed);
                PtpPretrainer.TransferEncoder(pretraining, student);
                ptp = new PtpStageResult(StageResult.From(summary.Training), summary.Labels);
            }
            else
            {
                StudentInitializer.From(student, source, sourceName, _options.InitLayers);
            }
            _session.Place(student);
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
        _session.Cancellation.ThrowIfCancellationRequested();
        PatientMap map = _options.KdLoss.Beta > 0 ? PatientMaps.For(student.Plan, train.Layers) : new PatientMap([], []);
        KdSettings kd = map.StudentLayers.Count == 0 ? _options.KdLoss with { Beta = 0 } : _options.KdLoss;
        RunStage stage = _session.Stage(KnowledgeDistiller.StageName, _options.KdTraining, Options / nameof(PipelineOptions.KdTraining));
        TrainingResult distilled = KnowledgeDistiller.Run(stage, student, data, train, kd, map);
        return new KdStageResult(StageResult.From(distilled), kd, map.ToString());
    }

    /// <summary>Stage 6: the student written to student/, teacher and student scored on every labelled split, summary.json.</summary>
    private DistillationResult Finish(StudentModel student, BertClassifier teacher, string teacherFolder, TaskData data, TeacherRecord devRecord, DistillationStages stages)
    {
        RunFolder run = _session.Folder;
        StudentFolder.Save(student, data, run.StudentFolder, teacherFolder);
        var predictions = new Dictionary<string, string>();
        var warnings = new List<string>();
        IReadOnlyDictionary<string, SplitMetrics> metrics = ScoreStudent(student, data, predictions, warnings);
        IReadOnlyDictionary<string, SplitMetrics> teacherMetrics = ScoreTeacher(teacher, teacherFolder, data, devRecord);

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
            Init = new StudentInitSummary(_options.InitFrom, Path.GetFullPath(_inputs.PretrainedFolder ?? teacherFolder),
                _options.InitLayers ?? Enumerable.Range(0, student.Plan.OwnedLayers).ToArray()),
            Ptp = stages.Ptp is not null,
            Metrics = metrics,
            Warnings = warnings,
            Stages = stages,
            TrainingSeconds = trainingSeconds,
            ExamplesPerSecond = trainingSeconds > 0 ? examples / trainingSeconds : 0,
            WallSeconds = _session.Clock.Elapsed.TotalSeconds,
            Device = DeviceSelector.Name(_session.Device),
            Threads = get_num_threads(),
            Precision = PrecisionSelector.Name(_session.Precision),
            MklFastPath = _session.Device.type == DeviceType.CPU ? Native.MklFastPath.State.ToString() : null,
            Code = BuildCode.Current,
            Paths = new RunPaths(run.Root, run.StudentFolder, Path.GetFullPath(teacherFolder), predictions),
        };
        _session.Finish(result.ToJson(), Folders.FolderKind.Run, teacherFolder);
        return result;
    }

    /// <summary>The student's metrics on every split but train, its predictions written beside them (their files in
    /// <paramref name="predictions"/>); what a reader should know of them in <paramref name="warnings"/>.</summary>
    private Dictionary<string, SplitMetrics> ScoreStudent(StudentModel student, TaskData data, Dictionary<string, string> predictions, List<string> warnings)
    {
        var metrics = new Dictionary<string, SplitMetrics>();
        foreach (string split in data.Splits.Keys.Where(s => s != "train"))
        {
            predictions[split] = _session.Folder.Predictions(split);
            if (Evaluator.Evaluate(student, data, split, _session.Device, _options.KdTraining.EvalBatchSize, predictions[split], _session.Cancellation, warnings, "the student") is { } scores)
            {
                metrics[split] = scores;
            }
        }
        return metrics;
    }

    /// <summary>The teacher's metrics on dev (from the record, which holds the dev pass) and on every other labelled
    /// split but train, each from a record of its own: the same teacher pass, saved, so the runs that share a records
    /// folder (a sweep's cells) score the teacher on test once rather than once each.</summary>
    private Dictionary<string, SplitMetrics> ScoreTeacher(BertClassifier teacher, string teacherFolder, TaskData data, TeacherRecord devRecord)
    {
        var metrics = new Dictionary<string, SplitMetrics>
        {
            ["dev"] = Evaluator.Score(data, data.Dev, ToRows(devRecord.Logits)).Metrics!,
        };
        string teacherHash = TeacherRecord.FolderHash(teacherFolder);
        foreach (string split in data.Splits.Keys.Where(s => s is not ("train" or "dev") && data.Splits[s].Data.HasLabels))
        {
            _session.Cancellation.ThrowIfCancellationRequested();
            using TeacherRecord record = Record(teacher, teacherHash, data, split).Record;
            if (Evaluator.Score(data, data.Splits[split].Features, ToRows(record.Logits)).Metrics is { } scores)
            {
                metrics[split] = scores;
            }
        }
        return metrics;
    }

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
