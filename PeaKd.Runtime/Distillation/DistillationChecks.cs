using PeaKd.Checkpoints;
using PeaKd.Data;
using PeaKd.Data.Tasks;
using PeaKd.Folders;
using PeaKd.Modeling;
using PeaKd.Options;
using PeaKd.Runs;
using PeaKd.Students;

namespace PeaKd.Distillation;

/// <summary>What a distillation's checks found and keep for the run: its data, read; the model students start from
/// (null: the teacher); and a given fine-tuned teacher, loaded and checked (null when the run fine-tunes its own),
/// which the run takes over and disposes.</summary>
internal sealed record DistillationInputs(RunData Data, string? PretrainedFolder, LoadedCheckpoint? GivenTeacher);

/// <summary>
/// The checks a distillation runs before it writes anything, once its options are valid on their own, in the order a
/// user would fix them: the options against the teacher's config, then the teacher's tokenizer and weights, then the
/// data (every row), then the teacher's classifier against the task, then the model the student starts from.
/// </summary>
internal static class DistillationChecks
{
    /// <summary>Runs every check; returns what they read. Nothing is written.</summary>
    public static DistillationInputs Run(PipelineOptions options, OptionPath path)
    {
        (BertConfig teacherConfig, string configPath) = RunOptionCheck.ModelFolder(path / nameof(PipelineOptions.Teacher), options.Teacher);
        CheckAgainstTeacher(options, path, teacherConfig, configPath);
        TaskData.CheckTokenizer(options.Teacher);
        HfCheckpoint.CheckLoadable(options.Teacher); // the weights against the config, before anything is written
        OptionPath teacherProperty = path / nameof(PipelineOptions.Teacher);
        LoadedCheckpoint? teacher = options.FineTuneTeacher ? null : LoadTrainedTeacher(teacherProperty, options.Teacher, options.Data.Task);
        try
        {
            RunData data = ReadData(options.Data, options.LimitTrain, path / nameof(PipelineOptions.Data), teacher, teacherProperty, options.Teacher);
            string? pretrainedFolder = InitSource(options, path, teacherConfig, configPath);
            return new DistillationInputs(data, pretrainedFolder, teacher);
        }
        catch
        {
            teacher?.Dispose();
            throw;
        }
    }

    /// <summary>The checks of the options against the teacher's config: lengths, sizes and layers must exist in it.</summary>
    private static void CheckAgainstTeacher(PipelineOptions options, OptionPath path, BertConfig teacher, string configPath)
    {
        RunOptionCheck.MaxLengthFits(path / nameof(PipelineOptions.MaxLength), options.MaxLength, teacher, configPath);
        StudentModel.CheckPins(options.Student.Plan, teacher, configPath);
        int layers = teacher.NumHiddenLayers;
        if (options.KdLoss.Beta > 0)
        {
            if (PatientMaps.LayerBeyond(options.Student.Plan, layers) is int beyond)
            {
                throw new InvalidOptionException(path / nameof(PipelineOptions.Student),
                    $"is {options.Student.Name}, whose [PatientMap] names teacher layer {beyond}, but the teacher has {layers} layers (0..{layers - 1}, {configPath}). " +
                    $"Use a teacher with more layers, a student whose map fits, or no patient term ({path / nameof(PipelineOptions.KdLoss) / nameof(KdSettings.Beta)} 0).");
            }
        }
        if (options.Ptp && options.PtpThresholds.Mode == PtpThresholdMode.Paper && !options.Data.Task.IsRegression
            && PtpLabels.PaperThresholds(options.Data.Task.Name) is null)
        {
            throw new InvalidOptionException(path / nameof(PipelineOptions.PtpThresholds),
                $"is Paper, but the paper gives PTP thresholds only for {string.Join(", ", PtpLabels.PaperTasks)}, not {options.Data.Task.Name}; use Median or fixed values (PtpThresholds.Of).");
        }
    }

    /// <summary>The pretrained model the student starts from (<see cref="PipelineOptions.InitFrom"/>): given, recorded by
    /// the teacher, or the one this run fine-tunes; it must have the teacher's sizes and vocabulary. Null when the
    /// student starts from the teacher. Either way the layers copied must exist in the model they come from.</summary>
    private static string? InitSource(PipelineOptions options, OptionPath path, BertConfig teacher, string teacherConfigPath)
    {
        string? folder = null;
        (BertConfig source, string sourcePath) = (teacher, teacherConfigPath);
        if (options.InitFrom == StudentInit.Pretrained)
        {
            (folder, source, sourcePath) = PretrainedSource(options, path, teacher, teacherConfigPath);
        }
        int available = source.NumHiddenLayers;
        IReadOnlyList<int> taken = options.InitLayers ?? Enumerable.Range(0, options.Student.Plan.OwnedLayers).ToArray();
        if (taken.FirstOrDefault(l => l >= available, -1) is int missing and >= 0)
        {
            string which = options.InitFrom == StudentInit.Pretrained ? "the pretrained model" : "the teacher";
            throw new InvalidOptionException(path / (options.InitLayers is null ? nameof(PipelineOptions.Student) : nameof(PipelineOptions.InitLayers)),
                options.InitLayers is null
                    ? $"is {options.Student.Name}, which owns {taken.Count} layers, but {which} it starts from has {available} ({sourcePath})."
                    : $"lists layer {missing}, but {which} the student starts from has layers 0..{available - 1} ({sourcePath}).");
        }
        return folder;
    }

    /// <summary>The pretrained model folder students start from (<see cref="StudentInit.Pretrained"/>), with its config:
    /// given, recorded by the teacher, or the one this run fine-tunes; checked to have the teacher's sizes and vocabulary.</summary>
    private static (string Folder, BertConfig Config, string ConfigPath) PretrainedSource(PipelineOptions options, OptionPath path, BertConfig teacher, string teacherConfigPath)
    {
        OptionPath property = path / nameof(PipelineOptions.Pretrained);
        string ask = $"Give the pretrained model the teacher was fine-tuned from as {property}, or set {path / nameof(PipelineOptions.InitFrom)} to Teacher.";
        string folder = options.Pretrained ?? (options.FineTuneTeacher ? options.Teacher : teacher.NameOrPath)
            ?? throw new InvalidOptionException(property,
                $"is not set, and the teacher's {teacherConfigPath} does not record the model it was fine-tuned from (no _name_or_path). {ask}");
        if (options.Pretrained is null && !Directory.Exists(folder))
        {
            throw new InvalidOptionException(property,
                $"is not set, and the model the teacher records as its base ('{folder}', _name_or_path in {teacherConfigPath}) is not a folder here. {ask}");
        }
        BertConfig source;
        string sourcePath;
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
        string vocab = Path.Combine(folder, ModelFiles.Vocabulary);
        string teacherVocab = Path.Combine(options.Teacher, ModelFiles.Vocabulary);
        if (File.Exists(teacherVocab) && Folders.FileHashes.Sha256(vocab) != Folders.FileHashes.Sha256(teacherVocab))
        {
            throw new InvalidOptionException(property, $"is '{folder}', whose {vocab} differs from the teacher's {teacherVocab}: its embeddings mean other tokens. {ask}");
        }
        return (folder, source, sourcePath);
    }

    /// <summary>Reads the data a fine-tuned teacher (or, when <paramref name="teacher"/> is null, the teacher a run
    /// fine-tunes) distils: a given teacher's outputs mean its labels, in its order, so data whose labels come from train
    /// is read in that order; and the teacher must fit the task.</summary>
    /// <param name="source">The options' data.</param>
    /// <param name="limitTrain">The options' training limit.</param>
    /// <param name="dataProperty">Where <paramref name="source"/> sits in the options.</param>
    /// <param name="teacher">The given teacher, loaded; null when the run fine-tunes its own.</param>
    /// <param name="teacherProperty">Where the teacher's folder sits in the options.</param>
    /// <param name="teacherFolder">The teacher's folder, for messages.</param>
    public static RunData ReadData(DataSource source, int? limitTrain, OptionPath dataProperty, LoadedCheckpoint? teacher, OptionPath teacherProperty, string teacherFolder)
    {
        IReadOnlyList<string>? teacherLabels = teacher is null || source.Task.IsRegression || source.Task.Labels is not null
            ? null : ModelFolder.LabelNames(teacher.Model.Config);
        RunData data = RunData.Read(source, limitTrain, teacherLabels, dataProperty);
        if (teacher is not null)
        {
            CheckTeacherFitsTask(teacherProperty, teacherFolder, source.Task, teacher, data.Train);
        }
        return data;
    }

    /// <summary>A given teacher must have a trained classifier.</summary>
    public static LoadedCheckpoint LoadTrainedTeacher(OptionPath property, string folder, TaskDefinition task)
    {
        LoadedCheckpoint teacher = HfCheckpoint.Load(folder);
        if (teacher.Report.FreshClassifier)
        {
            teacher.Dispose();
            throw NotATeacherFor(property, folder, task, "it has no classifier");
        }
        return teacher;
    }

    /// <summary>A given teacher must be fine-tuned for this task: one output per label, its labels in the task's order.</summary>
    private static void CheckTeacherFitsTask(OptionPath property, string folder, TaskDefinition task, LoadedCheckpoint teacher, Dataset train)
    {
        int needed = TaskData.OutputsFor(task, train);
        IReadOnlyList<string>? names = ModelFolder.LabelNames(teacher.Model.Config);
        string? problem = teacher.Model.Config.NumLabels != needed ? $"it has {teacher.Model.Config.NumLabels} outputs, the task needs {needed}"
            : names is not null && !task.IsRegression && !names.SequenceEqual(train.Labels) && names.Order().SequenceEqual(train.Labels.Order())
            ? $"its labels come in another order ({string.Join(", ", names)}) than the task's ({string.Join(", ", train.Labels)}), so its outputs would be read as the wrong classes"
            : null;
        if (problem is not null)
        {
            throw NotATeacherFor(property, folder, task, problem);
        }
    }

    private static InvalidOptionException NotATeacherFor(OptionPath property, string folder, TaskDefinition task, string problem) =>
        new(property, $"is '{folder}', which is not a fine-tuned teacher for {task.Name} ({problem}). Fine-tune it first with PeaKdPipeline.FineTune.");
}
