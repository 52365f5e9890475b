using PeaKd.Checkpoints;
using PeaKd.Data;
using PeaKd.Modeling;
using PeaKd.Options;
using PeaKd.Runs;

namespace PeaKd.Distillation;

/// <summary>The checks a fine-tuning runs before it writes anything, once its options are valid on their own: the
/// model folder and the length against its config, its tokenizer and weights, then the data, every row.</summary>
internal static class FineTuneChecks
{
    /// <summary>Runs every check in the order a user would fix them; returns the data read. Nothing is written.</summary>
    public static RunData Run(FineTuneOptions options, OptionPath path)
    {
        (BertConfig config, string configPath) = RunOptionCheck.ModelFolder(path / nameof(FineTuneOptions.Teacher), options.Teacher);
        RunOptionCheck.MaxLengthFits(path / nameof(FineTuneOptions.MaxLength), options.MaxLength, config, configPath);
        TaskData.CheckTokenizer(options.Teacher);
        HfCheckpoint.CheckLoadable(options.Teacher); // the weights against the config, before anything is written
        return RunData.Read(options.Data, options.LimitTrain, labels: null, path / nameof(FineTuneOptions.Data));
    }
}
