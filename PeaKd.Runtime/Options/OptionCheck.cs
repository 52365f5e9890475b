using System.Globalization;

namespace PeaKd;

/// <summary>The checks every options type runs on its values; each failure names the property and the value.</summary>
internal static class OptionCheck
{
    public static void AtLeast(string property, long value, long minimum)
    {
        if (value < minimum)
        {
            throw new InvalidOptionException(property, $"must be at least {minimum}, got {value}.");
        }
    }

    public static void AtMost(string property, long value, long maximum)
    {
        if (value > maximum)
        {
            throw new InvalidOptionException(property, $"must be at most {maximum:N0}, got {value:N0}.");
        }
    }

    public static void Between(string property, long value, long minimum, long maximum)
    {
        if (value < minimum || value > maximum)
        {
            throw new InvalidOptionException(property, $"must be between {minimum} and {maximum}, got {value}.");
        }
    }

    public static void Positive(string property, double value)
    {
        if (!(value > 0) || !double.IsFinite(value))
        {
            throw new InvalidOptionException(property, $"must be a positive finite number, got {Show(value)}.");
        }
    }

    public static void NotNegative(string property, double value)
    {
        if (!(value >= 0) || !double.IsFinite(value))
        {
            throw new InvalidOptionException(property, $"must be a finite number of at least 0, got {Show(value)}.");
        }
    }

    /// <summary>A value in [lower, upper] (or [lower, upper) when <paramref name="upperOpen"/>).</summary>
    public static void Fraction(string property, double value, double lower = 0, double upper = 1, bool upperOpen = false)
    {
        bool inside = value >= lower && (upperOpen ? value < upper : value <= upper);
        if (!inside)
        {
            throw new InvalidOptionException(property, $"must be in [{Show(lower)}, {Show(upper)}{(upperOpen ? ")" : "]")}, got {Show(value)}.");
        }
    }

    public static void Defined<TEnum>(string property, TEnum value) where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            throw new InvalidOptionException(property, $"is {value}, which is not a {typeof(TEnum).Name}; use one of {string.Join(", ", Enum.GetNames<TEnum>())}.");
        }
    }

    public static void NotEmpty(string property, string? value, string what)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidOptionException(property, $"is empty; give {what}.");
        }
    }

    /// <summary>A run's output folder must not be a model folder it reads: the run writes config.json, weights and
    /// options.json there, over the model's own.</summary>
    public static void NotTheSameFolder(string property, string folder, string readProperty, string readFolder)
    {
        if (IO.FolderPaths.IsReallySameOrInside(folder, readFolder) || IO.FolderPaths.IsReallySameOrInside(readFolder, folder))
        {
            throw new InvalidOptionException(property,
                $"is '{folder}', the folder {readProperty} names, or one inside or around it (symbolic links resolved); the run would write its files over the model it reads. Give a folder of its own.");
        }
    }

    public static void NotNull(string property, object? value, string what)
    {
        if (value is null)
        {
            throw new InvalidOptionException(property, $"is not set; give {what}.");
        }
    }

    /// <summary>A run's data: set, and valid on its own (an in-memory list is checked row by row).</summary>
    public static void Data(string property, Data.DataSource? data)
    {
        NotNull(property, data, "the task's examples (DataSource.Files or DataSource.InMemory)");
        data!.Validate(property);
    }

    /// <summary>The settings every run has, under <paramref name="options"/> (the options type's name, such as
    /// PipelineOptions): its length, its training limit, its device and its precision.</summary>
    public static void RunSettings(string options, int maxLength, int? limitTrain, Devices.DeviceChoice device, Precision.PrecisionChoice precision)
    {
        Between($"{options}.MaxLength", maxLength, 8, 4096);
        if (limitTrain is int limit)
        {
            AtLeast($"{options}.LimitTrain", limit, 1);
        }
        Defined($"{options}.Device", device);
        Defined($"{options}.Precision", precision);
    }

    /// <summary>Texts are truncated to the max length, so that is the bound the model's position embeddings must cover.</summary>
    public static void MaxLengthFits(string property, int maxLength, Modeling.BertConfig config, string configPath)
    {
        Between(property, maxLength, 8, 4096);
        if (maxLength > config.MaxPositionEmbeddings)
        {
            throw new InvalidOptionException(property,
                $"is {maxLength}, more than the model's max_position_embeddings {config.MaxPositionEmbeddings} ({configPath}); it has no position embedding beyond that. Use {config.MaxPositionEmbeddings} or less.");
        }
    }

    /// <summary>A model folder's config: the folder must exist and hold a valid config.json (errors name the file and field).</summary>
    public static (Modeling.BertConfig Config, string Path) ModelFolder(string property, string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new InvalidOptionException(property, $"is '{folder}', which is not a folder; give a model folder (config.json, model.safetensors or pytorch_model.bin, vocab.txt).");
        }
        string path = System.IO.Path.Combine(folder, Checkpoints.HfCheckpoint.ConfigFileName);
        string[] weights = [Checkpoints.HfCheckpoint.SafetensorsFileName, Checkpoints.HfCheckpoint.PyTorchFileName];
        string? missing = !File.Exists(path) ? Checkpoints.HfCheckpoint.ConfigFileName
            : !weights.Any(w => File.Exists(System.IO.Path.Combine(folder, w))) ? $"weights ({string.Join(" or ", weights)})"
            : !File.Exists(System.IO.Path.Combine(folder, Checkpoints.HfCheckpoint.VocabFileName)) ? Checkpoints.HfCheckpoint.VocabFileName
            : null;
        if (missing is not null)
        {
            throw new InvalidOptionException(property, $"is '{folder}', which has no {missing}; give a model folder (config.json, model.safetensors or pytorch_model.bin, vocab.txt).");
        }
        return (Modeling.BertConfig.Load(path), path);
    }

    public static string Show(double value) => value.ToString("G", CultureInfo.InvariantCulture);
}
