using System.Text.Json;
using System.Text.Json.Nodes;
using PeaKd.Data;
using PeaKd.Devices;
using PeaKd.Options;
using PeaKd.Precision;
using PeaKd.Runs;
using PeaKd.Students;
using PeaKd.Training;

namespace PeaKd.Distillation;

/// <summary>
/// Everything one Pea-KD run needs: the data, the teacher, the student and each stage's settings. <see cref="Validate"/>
/// checks every value (<see cref="PeaKdPipeline.Run"/> calls it first, and checks the values against the teacher's
/// config before anything is written); a bad value is an <see cref="InvalidOptionException"/> naming its property.
/// </summary>
/// <remarks>
/// One name per concept, as the results and the run folder name it: the stages are FineTune, Ptp and Kd
/// (<see cref="DistillationResult.Stages"/>, the run's stages/finetune, ptp and kd folders). Each stage's training
/// options are its name and Training (<see cref="FineTuneTraining"/>, <see cref="PtpTraining"/>, <see cref="KdTraining"/>);
/// what else a stage takes starts with its name (<see cref="FineTuneTeacher"/>, <see cref="Ptp"/>,
/// <see cref="PtpThresholds"/>, <see cref="KdLoss"/>). <see cref="Teacher"/> is the teacher's model folder the run
/// reads, pretrained when the run fine-tunes it, as <see cref="FineTuneOptions.Teacher"/> is; <see cref="Pretrained"/>
/// is where students start. options.json keeps the keys earlier versions wrote (finetuning, distillation, alpha, ...).
/// </remarks>
public sealed record PipelineOptions
{
    private static readonly OptionPath Name = new(nameof(PipelineOptions));

    /// <summary>The task's examples: <see cref="DataSource.Files(string, string)"/> or <see cref="DataSource.InMemory"/>.</summary>
    public required DataSource Data { get; init; }

    /// <summary>The teacher's model folder: a fine-tuned teacher, or the pretrained model the run fine-tunes into one
    /// when <see cref="FineTuneTeacher"/> is set (as <see cref="FineTuneOptions.Teacher"/>); a Hugging Face BERT folder:
    /// config.json, model.safetensors or pytorch_model.bin, vocab.txt.</summary>
    public required string Teacher { get; init; }

    /// <summary>Fine-tune <see cref="Teacher"/> on the task first (stage 1); the result is written to the run's teacher/ folder.</summary>
    public bool FineTuneTeacher { get; init; }

    /// <summary>The student to train: its generated descriptor, <c>PeaBert2.Descriptor</c>, or one found by name in the
    /// generated catalog, <c>StudentCatalog.Get("PeaBert2")</c>.</summary>
    public required StudentDescriptor Student { get; init; }

    /// <summary>The run folder: options.json, metrics.jsonl, checkpoints, teacher record, student/, predictions and summary.json.</summary>
    public required string OutputFolder { get; init; }

    /// <summary>Where the student starts: the pretrained model the teacher was fine-tuned from (the default, as the
    /// authors do), or the fine-tuned teacher.</summary>
    public StudentInit InitFrom { get; init; } = StudentInit.Pretrained;

    /// <summary>The pretrained model folder students start from with <see cref="StudentInit.Pretrained"/>; null for the one
    /// the teacher folder records (config.json's <c>_name_or_path</c>, written by <see cref="PeaKdPipeline.FineTune"/>), or
    /// <see cref="Teacher"/> itself when <see cref="FineTuneTeacher"/> is set. It must have the teacher's sizes and vocabulary.</summary>
    public string? Pretrained { get; init; }

    /// <summary>Layers of the model the student starts from (<see cref="InitFrom"/>) copied into the owned layers, one per
    /// owned layer; null for the first k.</summary>
    public IReadOnlyList<int>? InitLayers { get; init; }

    /// <summary>Where teacher records live; null for the run's own record/ folder. Runs distilling one teacher can
    /// share a folder: a record is reused only when teacher, data, vocabulary, length and precision match.</summary>
    public string? RecordFolder { get; init; }

    /// <summary>How the record stores the teacher's [CLS] states: fp32, or bf16 for half the disk and memory.</summary>
    public RecordDtype RecordDtype { get; init; } = RecordDtype.Fp32;

    /// <summary>Pretrain the student with the teacher's predictions (PTP) before KD; regression tasks skip it.</summary>
    public bool Ptp { get; init; } = true;

    /// <summary>How PTP's confidence thresholds are chosen.</summary>
    public PtpThresholds PtpThresholds { get; init; } = PtpThresholds.Median;

    /// <summary>Stage 5's loss: the weights of its soft-target and patient terms and its temperature
    /// (<see cref="KdSettings.Pkd"/> by default); <see cref="KdTraining"/> is how it trains.</summary>
    public KdSettings KdLoss { get; init; } = KdSettings.Pkd;

    /// <summary>Stage 1, the teacher's fine-tuning (used when <see cref="FineTuneTeacher"/> is set): its training options,
    /// as <see cref="FineTuneOptions.Training"/> are a fine-tuning run's.</summary>
    public TrainingOptions FineTuneTraining { get => _fineTuneTraining; init => _fineTuneTraining = value?.WithStageEpochs(TrainingOptions.DefaultEpochs)!; }

    /// <summary>Stage 4: PTP pretraining (used when <see cref="Ptp"/> is set): its own learning rate, epochs and batch
    /// size; the authors' lr 2e-5 for 2 epochs by default. The encoder with the lowest dev PTP loss is kept, so
    /// <see cref="TrainingOptions.EvalEvery"/> sets how densely that is checked (the authors: every 20 steps).</summary>
    /// <remarks>Epochs left unset (null) stay PTP's 2, whatever else the options set.</remarks>
    public TrainingOptions PtpTraining { get => _ptpTraining; init => _ptpTraining = value?.WithStageEpochs(PtpEpochs)!; }

    /// <summary>PTP's epochs when <see cref="PtpTraining"/> does not set them (the authors' 2).</summary>
    public const int PtpEpochs = 2;

    /// <summary>Stage 5, knowledge distillation: its training options; <see cref="KdLoss"/> is its loss.</summary>
    public TrainingOptions KdTraining { get => _kdTraining; init => _kdTraining = value?.WithStageEpochs(TrainingOptions.DefaultEpochs)!; }

    // each stage's options with its default epochs filled in where they were left unset
    private readonly TrainingOptions _fineTuneTraining = new() { Epochs = TrainingOptions.DefaultEpochs };
    private readonly TrainingOptions _ptpTraining = new() { Epochs = PtpEpochs, LearningRate = 2e-5 };
    private readonly TrainingOptions _kdTraining = new() { Epochs = TrainingOptions.DefaultEpochs };

    /// <summary>Tokens per example, special tokens included; longer texts are truncated. 8 to the teacher's max_position_embeddings.</summary>
    public int MaxLength { get; init; } = 128;

    /// <summary>Use only N training examples (quick runs): a stratified sample with a fixed seed, each class in its
    /// share; null for all.</summary>
    public int? LimitTrain { get; init; }

    /// <summary>What a stage keeps once it is done: its best weights (the default; the resumable checkpoints, about 3x
    /// the weights each, are removed), or every checkpoint.</summary>
    public CheckpointRetention KeepCheckpoints { get; init; } = CheckpointRetention.Best;

    /// <summary>Where to train.</summary>
    public DeviceChoice Device { get; init; } = DeviceChoice.Auto;

    /// <summary>How every stage computes (fp32, bf16 mixed precision, or what the hardware runs fastest).</summary>
    public PrecisionChoice Precision { get; init; } = PrecisionChoice.Fp32;

    /// <summary>Continue an interrupted run in <see cref="OutputFolder"/> (asked with the same options); finished stages are reused.</summary>
    public bool Resume { get; init; }

    /// <summary>Delete the run already in <see cref="OutputFolder"/> (finished or not) and start again. Without it (or
    /// <see cref="Resume"/>) a folder that holds a run is refused, so re-running a program never silently deletes a
    /// finished run.</summary>
    public bool Overwrite { get; init; }

    /// <summary>Checks every value on its own (no file is read); throws <see cref="InvalidOptionException"/> naming
    /// the first invalid property. The checks against the teacher (its layer count, positions, sizes) run in
    /// <see cref="PeaKdPipeline.Run"/>, still before anything is written.</summary>
    public void Validate()
    {
        DataSource.CheckSet(Name / nameof(Data), Data);
        OptionCheck.NotEmpty(Name / nameof(Teacher), Teacher, "the teacher's model folder");
        OptionCheck.NotNull(Name / nameof(Student), Student,
            "a student's generated descriptor, such as PeaBert2.Descriptor, or one by name from the generated catalog, StudentCatalog.Get(\"PeaBert2\") (StudentCatalog.Find returns null for an unknown name; Get names the known ones)");
        if (Resume && Overwrite)
        {
            throw new InvalidOptionException(Name / nameof(Overwrite), $"is set with {Name / nameof(Resume)}; a run is either continued or started again. Set one of them.");
        }
        OptionCheck.NotEmpty(Name / nameof(OutputFolder), OutputFolder, "the folder the run writes");
        OptionCheck.NotTheSameFolder(Name / nameof(OutputFolder), OutputFolder, Name / nameof(Teacher), Teacher);
        OptionCheck.Defined(Name / nameof(InitFrom), InitFrom);
        if (Pretrained is not null)
        {
            OptionCheck.NotEmpty(Name / nameof(Pretrained), Pretrained, "the pretrained model folder (or null for the one the teacher records)");
            if (InitFrom == StudentInit.Teacher)
            {
                throw new InvalidOptionException(Name / nameof(Pretrained),
                    $"is '{Pretrained}', but {Name / nameof(InitFrom)} is Teacher, so no student starts from it; leave it out, or set {Name / nameof(InitFrom)} to Pretrained.");
            }
        }
        if (InitLayers is not null)
        {
            if (InitLayers.Count != Student.Plan.OwnedLayers)
            {
                throw new InvalidOptionException(Name / nameof(InitLayers),
                    $"lists {InitLayers.Count} layers, but student {Student.Name} owns {Student.Plan.OwnedLayers}; give one layer per owned layer.");
            }
            int bad = InitLayers.FirstOrDefault(l => l < 0, 0);
            if (bad < 0)
            {
                throw new InvalidOptionException(Name / nameof(InitLayers), $"lists layer {bad}; layers are numbered from 0.");
            }
        }
        if (RecordFolder is not null)
        {
            OptionCheck.NotEmpty(Name / nameof(RecordFolder), RecordFolder, "the folder teacher records are shared in (or null for the run's own record/ folder)");
        }
        OptionCheck.Defined(Name / nameof(RecordDtype), RecordDtype);
        OptionCheck.NotNull(Name / nameof(PtpThresholds), PtpThresholds, "the PTP thresholds (PtpThresholds.Median by default)");
        PtpThresholds.Validate(Name / nameof(PtpThresholds));
        OptionCheck.NotNull(Name / nameof(KdLoss), KdLoss, "the KD weights (KdSettings.Pkd by default)");
        KdLoss.Validate(Name / nameof(KdLoss));
        foreach ((string property, TrainingOptions? training) in new[] { (nameof(FineTuneTraining), FineTuneTraining), (nameof(PtpTraining), PtpTraining), (nameof(KdTraining), KdTraining) })
        {
            OptionCheck.NotNull(Name / property, training, "the stage's training options");
            training!.Validate(Name / property);
        }
        OptionCheck.Defined(Name / nameof(KeepCheckpoints), KeepCheckpoints);
        RunOptionCheck.RunSettings(Name, MaxLength, LimitTrain, Device, Precision);
    }

    /// <summary>What the run's session needs of these options: folder, retention, device, precision, resume, overwrite.</summary>
    internal RunSettings RunSettings => new(OutputFolder, KeepCheckpoints, Device, Precision, Resume, Overwrite);

    /// <summary>The property each options.json key records, for a refused resume's message.</summary>
    internal static readonly IReadOnlyDictionary<string, string> JsonProperties = new Dictionary<string, string>
    {
        ["task"] = $"{nameof(Data)}.Task", ["data"] = nameof(Data), ["positive_label"] = $"{nameof(Data)}.Task.PositiveLabel", ["teacher"] = nameof(Teacher), ["finetune_teacher"] = nameof(FineTuneTeacher),
        ["student"] = nameof(Student), ["init_from"] = nameof(InitFrom), ["pretrained"] = nameof(Pretrained), ["init_layers"] = nameof(InitLayers),
        ["ptp"] = nameof(Ptp), ["ptp_thresholds"] = nameof(PtpThresholds), ["alpha"] = $"{nameof(KdLoss)}.{nameof(KdSettings.Alpha)}", ["temperature"] = $"{nameof(KdLoss)}.{nameof(KdSettings.Temperature)}",
        ["beta"] = $"{nameof(KdLoss)}.{nameof(KdSettings.Beta)}", ["finetuning"] = nameof(FineTuneTraining), ["ptp_training"] = nameof(PtpTraining), ["distillation"] = nameof(KdTraining),
        ["max_length"] = nameof(MaxLength), ["limit_train"] = nameof(LimitTrain), ["limit_sample"] = $"{nameof(LimitTrain)}'s sampling",
        ["precision"] = nameof(Precision), ["record_dtype"] = nameof(RecordDtype),
    };

    /// <summary>options.json: what was asked, so a resumed run can be checked against it (the output folder is where it lives).</summary>
    /// <param name="positiveLabel">The class F1 scores on the run's data (<see cref="Data.Tasks.TaskDefinition.PositiveLabel"/>
    /// resolved); the options' own, unresolved, when null.</param>
    internal JsonObject ToJson(string? positiveLabel = null) => new()
    {
        ["task"] = Data.Task.Name,
        ["data"] = Data.Identity,
        ["positive_label"] = positiveLabel ?? Data.Task.PositiveLabel, // changes F1, and the checkpoint kept where F1 chooses it
        ["teacher"] = Path.GetFullPath(Teacher),
        ["finetune_teacher"] = FineTuneTeacher,
        ["student"] = Student.Name,
        ["init_from"] = InitFrom.ToString().ToLowerInvariant(),
        ["pretrained"] = Pretrained is null ? null : Path.GetFullPath(Pretrained),
        ["init_layers"] = InitLayers is null ? null : new JsonArray(InitLayers.Select(l => (JsonNode)l).ToArray()),
        ["ptp"] = Ptp,
        ["ptp_thresholds"] = PtpThresholds.ToString(),
        ["alpha"] = KdLoss.Alpha,
        ["temperature"] = KdLoss.Temperature,
        ["beta"] = KdLoss.Beta,
        ["finetuning"] = JsonSerializer.SerializeToNode(FineTuneTraining),
        ["ptp_training"] = JsonSerializer.SerializeToNode(PtpTraining),
        ["distillation"] = JsonSerializer.SerializeToNode(KdTraining),
        ["max_length"] = MaxLength,
        ["limit_train"] = LimitTrain,
        ["limit_sample"] = LimitTrain is null ? null : PeaKd.Data.DataSource.LimitSample,
        ["keep_checkpoints"] = KeepCheckpoints.ToString().ToLowerInvariant(),
        ["device"] = Device.ToString().ToLowerInvariant(),
        ["precision"] = Precision.ToString().ToLowerInvariant(),
        ["record_dtype"] = TeacherRecord.Name(RecordDtype),
    };

    /// <summary>Its properties and their values, lists and dictionaries with their items.</summary>
    public override string ToString() => RecordText.Of(this);
}
