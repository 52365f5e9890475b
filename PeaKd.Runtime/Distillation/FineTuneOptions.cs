using System.Text.Json;
using System.Text.Json.Nodes;
using PeaKd.Data;
using PeaKd.Devices;
using PeaKd.Options;
using PeaKd.Precision;
using PeaKd.Runs;
using PeaKd.Training;

namespace PeaKd.Distillation;

/// <summary>
/// A teacher's fine-tuning on its own (<see cref="PeaKdPipeline.FineTune"/>): a pretrained BERT folder in, a
/// fine-tuned teacher folder out. <see cref="Validate"/> checks every value; a bad one is an
/// <see cref="InvalidOptionException"/> naming its property.
/// </summary>
public sealed record FineTuneOptions
{
    private static readonly OptionPath Name = new(nameof(FineTuneOptions));

    /// <summary>The task's examples.</summary>
    public required DataSource Data { get; init; }

    /// <summary>The teacher's model folder: the pretrained model fine-tuned into the teacher (from
    /// <see cref="Checkpoints.TeacherImport"/>, or any Hugging Face BERT folder), as <see cref="PipelineOptions.Teacher"/>
    /// is with <see cref="PipelineOptions.FineTuneTeacher"/>. options.json records it as "model".</summary>
    public required string Teacher { get; init; }

    /// <summary>The folder to write: the teacher (config.json, model.safetensors, vocab.txt) beside the run's logs and checkpoints.</summary>
    public required string OutputFolder { get; init; }

    /// <summary>The training options of the fine-tuning, its one stage (<see cref="PipelineOptions.FineTuneTraining"/> in a distillation run).</summary>
    public TrainingOptions Training { get => _training; init => _training = value?.WithStageEpochs(TrainingOptions.DefaultEpochs)!; }

    private readonly TrainingOptions _training = new() { Epochs = TrainingOptions.DefaultEpochs }; // unset epochs filled in

    /// <summary>Tokens per example, special tokens included; 8 to the model's max_position_embeddings.</summary>
    public int MaxLength { get; init; } = 128;

    /// <summary>Use only N training examples (quick runs): a stratified sample with a fixed seed, each class in its
    /// share; null for all.</summary>
    public int? LimitTrain { get; init; }

    /// <summary>What a stage keeps once it is done: its best weights (the default; the resumable checkpoints, about 3x
    /// the weights each, are removed), or every checkpoint.</summary>
    public CheckpointRetention KeepCheckpoints { get; init; } = CheckpointRetention.Best;

    /// <summary>Where to train.</summary>
    public DeviceChoice Device { get; init; } = DeviceChoice.Auto;

    /// <summary>How training computes.</summary>
    public PrecisionChoice Precision { get; init; } = PrecisionChoice.Fp32;

    /// <summary>Continue an interrupted fine-tuning in <see cref="OutputFolder"/> (asked with the same options).</summary>
    public bool Resume { get; init; }

    /// <summary>Delete the run already in <see cref="OutputFolder"/> (finished or not) and start again. Without it (or
    /// <see cref="Resume"/>) a folder that holds a run is refused, so re-running a program never silently deletes a
    /// finished fine-tuning.</summary>
    public bool Overwrite { get; init; }

    /// <summary>Checks every value on its own; throws <see cref="InvalidOptionException"/> naming the first invalid property.</summary>
    public void Validate()
    {
        DataSource.CheckSet(Name / nameof(Data), Data);
        OptionCheck.NotEmpty(Name / nameof(Teacher), Teacher, "the pretrained model folder");
        if (Resume && Overwrite)
        {
            throw new InvalidOptionException(Name / nameof(Overwrite), $"is set with {Name / nameof(Resume)}; a run is either continued or started again. Set one of them.");
        }
        OptionCheck.NotEmpty(Name / nameof(OutputFolder), OutputFolder, "the folder the teacher is written to");
        OptionCheck.NotTheSameFolder(Name / nameof(OutputFolder), OutputFolder, Name / nameof(Teacher), Teacher);
        OptionCheck.NotNull(Name / nameof(Training), Training, "the training options");
        Training.Validate(Name / nameof(Training));
        OptionCheck.Defined(Name / nameof(KeepCheckpoints), KeepCheckpoints);
        RunOptionCheck.RunSettings(Name, MaxLength, LimitTrain, Device, Precision);
    }

    /// <summary>What the run's session needs of these options: folder, retention, device, precision, resume, overwrite.</summary>
    internal RunSettings RunSettings => new(OutputFolder, KeepCheckpoints, Device, Precision, Resume, Overwrite);

    /// <summary>The property each options.json key records, for a refused resume's message.</summary>
    internal static readonly IReadOnlyDictionary<string, string> JsonProperties = new Dictionary<string, string>
    {
        ["task"] = $"{nameof(Data)}.Task", ["data"] = nameof(Data), ["positive_label"] = $"{nameof(Data)}.Task.PositiveLabel", ["model"] = nameof(Teacher), ["training"] = nameof(Training),
        ["max_length"] = nameof(MaxLength), ["limit_train"] = nameof(LimitTrain), ["limit_sample"] = $"{nameof(LimitTrain)}'s sampling",
        ["precision"] = nameof(Precision),
    };

    /// <summary>options.json of a fine-tuning run.</summary>
    /// <param name="precision">The precision resolved for the device.</param>
    /// <param name="positiveLabel">The class F1 scores on the run's data (resolved); the options' own when null.</param>
    internal JsonObject ToJson(string precision, string? positiveLabel = null) => new()
    {
        ["stage"] = "finetune",
        ["task"] = Data.Task.Name,
        ["data"] = Data.Identity,
        ["positive_label"] = positiveLabel ?? Data.Task.PositiveLabel, // changes F1, and the checkpoint kept where F1 chooses it
        ["model"] = Path.GetFullPath(Teacher),
        ["training"] = JsonSerializer.SerializeToNode(Training),
        ["max_length"] = MaxLength,
        ["limit_train"] = LimitTrain,
        ["limit_sample"] = LimitTrain is null ? null : PeaKd.Data.DataSource.LimitSample,
        ["keep_checkpoints"] = KeepCheckpoints.ToString().ToLowerInvariant(),
        ["precision"] = precision,
    };

    /// <summary>Its properties and their values, lists and dictionaries with their items.</summary>
    public override string ToString() => RecordText.Of(this);
}
