using PeaKd.Devices;
using PeaKd.Folders;
using PeaKd.Modeling;
using PeaKd.Options;
using PeaKd.Precision;

namespace PeaKd.Distillation;

/// <summary>The checks a run's options share beyond single values: its run settings, and the model folder it reads
/// with the length its texts are cut to.</summary>
internal static class RunOptionCheck
{
    /// <summary>The settings every run has, under <paramref name="options"/> (the options type, such as
    /// PipelineOptions; FineTuneOptions names them alike): its length, its training limit, its device and its precision.</summary>
    public static void RunSettings(OptionPath options, int maxLength, int? limitTrain, DeviceChoice device, PrecisionChoice precision)
    {
        OptionCheck.Between(options / nameof(PipelineOptions.MaxLength), maxLength, 8, 4096);
        if (limitTrain is int limit)
        {
            OptionCheck.AtLeast(options / nameof(PipelineOptions.LimitTrain), limit, 1);
        }
        OptionCheck.Defined(options / nameof(PipelineOptions.Device), device);
        OptionCheck.Defined(options / nameof(PipelineOptions.Precision), precision);
    }

    /// <summary>Texts are truncated to the max length, so that is the bound the model's position embeddings must cover.</summary>
    public static void MaxLengthFits(string property, int maxLength, BertConfig config, string configPath)
    {
        OptionCheck.Between(property, maxLength, 8, 4096);
        if (maxLength > config.MaxPositionEmbeddings)
        {
            throw new InvalidOptionException(property,
                $"is {maxLength}, more than the model's max_position_embeddings {config.MaxPositionEmbeddings} ({configPath}); it has no position embedding beyond that. Use {config.MaxPositionEmbeddings} or less.");
        }
    }

    /// <summary>A model folder's config: the folder must exist and hold a valid config.json (errors name the file and field).</summary>
    public static (BertConfig Config, string Path) ModelFolder(string property, string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new InvalidOptionException(property, $"is '{folder}', which is not a folder; give a model folder (config.json, model.safetensors or pytorch_model.bin, vocab.txt).");
        }
        string path = System.IO.Path.Combine(folder, ModelFiles.Config);
        string[] weights = [ModelFiles.Safetensors, ModelFiles.PyTorch];
        string? missing = !File.Exists(path) ? ModelFiles.Config
            : !weights.Any(w => File.Exists(System.IO.Path.Combine(folder, w))) ? $"weights ({string.Join(" or ", weights)})"
            : !File.Exists(System.IO.Path.Combine(folder, ModelFiles.Vocabulary)) ? ModelFiles.Vocabulary
            : null;
        if (missing is not null)
        {
            throw new InvalidOptionException(property, $"is '{folder}', which has no {missing}; give a model folder (config.json, model.safetensors or pytorch_model.bin, vocab.txt).");
        }
        return (BertConfig.Load(path), path);
    }
}
