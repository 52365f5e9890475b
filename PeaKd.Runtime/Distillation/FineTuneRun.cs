using PeaKd.Checkpoints;
using PeaKd.Data;
using PeaKd.Data.Metrics;
using PeaKd.Devices;
using PeaKd.IO;
using PeaKd.Inference;
using PeaKd.Modeling;
using PeaKd.Options;
using PeaKd.Precision;
using PeaKd.Runs;
using PeaKd.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace PeaKd.Distillation;

/// <summary>A teacher's fine-tuning as a run of its own: checks, the training stage, scores on every labelled split, summary.json.</summary>
internal static class FineTuneRun
{
    private const string Options = nameof(FineTuneOptions);

    public static FineTuneResult Run(FineTuneOptions options, IProgress<TrainingProgress>? progress, CancellationToken cancellation)
    {
        // Every check first; nothing is written until they pass.
        options.Validate();
        Device device = DeviceSelector.Resolve(options.Device, $"{Options}.{nameof(FineTuneOptions.Device)}");
        (ComputePrecision precision, string reason) = PrecisionSelector.Resolve(options.Precision, device);
        (BertConfig config, string configPath) = RunOptionCheck.ModelFolder($"{Options}.{nameof(FineTuneOptions.Model)}", options.Model);
        RunOptionCheck.MaxLengthFits($"{Options}.{nameof(FineTuneOptions.MaxLength)}", options.MaxLength, config, configPath);
        TaskData.CheckTokenizer(options.Model);
        HfCheckpoint.CheckLoadable(options.Model); // the weights against the config, before anything is written
        IReadOnlyList<Dataset> datasets = options.Data.Read(options.LimitTrain);
        if (!options.Data.Task.IsRegression)
        {
            options.Data.Task.PositiveLabelId(datasets[0].Labels, $"{Options}.{nameof(FineTuneOptions.Data)}.{nameof(DataSource.Task)}");
        }

        cancellation.ThrowIfCancellationRequested(); // a run cancelled before it started writes nothing
        var run = new RunFolder(options.OutputFolder) { Retention = options.KeepCheckpoints };
        run.CheckHoldsNothingElse(Options);
        using IDisposable folderLock = run.Lock(Options);
        run.Claim(options.Resume, options.Overwrite, Options);
        run.SaveOptions(options.ToJson(PrecisionSelector.Name(precision), DistillationRun.PositiveLabel(options.Data.Task, datasets[0])), options.Resume, Options,
            FineTuneOptions.JsonProperties, DistillationRun.OlderRunValues(options.Data.Task, datasets[0]));
        progress?.Report(TrainingProgress.Note("", $"precision: {PrecisionSelector.Name(precision)} ({reason})"));
        if (options.Resume)
        {
            AtomicFile.RemoveTemporaries(run.Root);
        }
        TaskData data = TaskData.Encode(options.Data.Task, datasets, options.Model, options.MaxLength, run.FeatureCacheFolder);
        manual_seed(options.Training.Seed); // a fresh classifier is drawn from the options' seed
        using LoadedCheckpoint pretrained = HfCheckpoint.Load(options.Model);
        using BertClassifier teacher = TeacherFineTuner.ForTask(pretrained, options.Model, data);
        teacher.to(device);
        teacher.Precision = precision;
        TrainingResult tuned = TeacherFineTuner.Run(teacher, data, options.Training, $"{Options}.{nameof(FineTuneOptions.Training)}", run, run.Root, device, progress, options.Resume, cancellation);

        var metrics = new Dictionary<string, SplitMetrics>();
        var warnings = new List<string>();
        foreach (string split in data.Splits.Keys.Where(s => s != "train"))
        {
            if (Evaluator.Evaluate(teacher, data, split, device, options.Training.EvalBatchSize, run.Predictions(split), cancellation, warnings, "the fine-tuned model") is { } scores)
            {
                metrics[split] = scores;
            }
        }
        var result = new FineTuneResult
        {
            Task = data.Task.Name,
            PositiveLabel = data.PositiveLabel,
            Folder = run.Root,
            Layers = teacher.Config.NumHiddenLayers,
            Parameters = ParameterCount.Backbone(teacher.Config, teacher.Config.NumHiddenLayers),
            Metrics = metrics,
            Warnings = warnings,
            Stage = StageResult.From(tuned),
            Device = DeviceSelector.Name(device),
            Precision = PrecisionSelector.Name(precision),
        };
        run.WriteSummary(result.ToJson(), Folders.FolderKind.FineTuned, sourceFolder: options.Model);
        return result;
    }
}
