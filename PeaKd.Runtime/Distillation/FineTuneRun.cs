using PeaKd.Checkpoints;
using PeaKd.Data;
using PeaKd.Data.Metrics;
using PeaKd.Devices;
using PeaKd.Inference;
using PeaKd.Modeling;
using PeaKd.Options;
using PeaKd.Precision;
using PeaKd.Runs;
using PeaKd.Training;
using static TorchSharp.torch;

namespace PeaKd.Distillation;

/// <summary>A teacher's fine-tuning as a run of its own: checks, the training stage, scores on every labelled split, summary.json.</summary>
internal static class FineTuneRun
{
    private static readonly OptionPath Options = new(nameof(FineTuneOptions));

    public static FineTuneResult Run(FineTuneOptions options, IProgress<TrainingProgress>? progress, CancellationToken cancellation)
    {
        // Every check first; nothing is written until they pass.
        options.Validate();
        using RunSession session = RunSession.Open(Options, options.RunSettings, progress, cancellation);
        RunData read = FineTuneChecks.Run(options, Options);

        session.Start(options.ToJson(PrecisionSelector.Name(session.Precision), read.PositiveLabel), FineTuneOptions.JsonProperties, read.OlderRunValues);
        TaskData data = read.Encode(options.Teacher, options.MaxLength, session.Folder);
        manual_seed(options.Training.Seed); // a fresh classifier is drawn from the options' seed
        using LoadedCheckpoint pretrained = HfCheckpoint.Load(options.Teacher);
        using BertClassifier teacher = TeacherFineTuner.ForTask(pretrained, options.Teacher, data);
        session.Place(teacher);
        RunStage stage = session.Stage(TeacherFineTuner.StageName, options.Training, Options / nameof(FineTuneOptions.Training));
        TrainingResult tuned = TeacherFineTuner.Run(stage, teacher, data, session.Folder.Root);
        return Finish(session, options, teacher, data, tuned);
    }

    /// <summary>The teacher scored on every split but train, and summary.json.</summary>
    private static FineTuneResult Finish(RunSession session, FineTuneOptions options, BertClassifier teacher, TaskData data, TrainingResult tuned)
    {
        var metrics = new Dictionary<string, SplitMetrics>();
        var warnings = new List<string>();
        foreach (string split in data.Splits.Keys.Where(s => s != "train"))
        {
            if (Evaluator.Evaluate(teacher, data, split, session.Device, options.Training.EvalBatchSize, session.Folder.Predictions(split), session.Cancellation, warnings, "the fine-tuned model") is { } scores)
            {
                metrics[split] = scores;
            }
        }
        var result = new FineTuneResult
        {
            Task = data.Task.Name,
            PositiveLabel = data.PositiveLabel,
            Folder = session.Folder.Root,
            Layers = teacher.Config.NumHiddenLayers,
            Parameters = ParameterCount.Backbone(teacher.Config, teacher.Config.NumHiddenLayers),
            Metrics = metrics,
            Warnings = warnings,
            Stage = StageResult.From(tuned),
            Device = DeviceSelector.Name(session.Device),
            Precision = PrecisionSelector.Name(session.Precision),
            MklFastPath = session.Device.type == TorchSharp.DeviceType.CPU ? Native.MklFastPath.State.ToString() : null,
            Code = BuildCode.Current,
        };
        session.Finish(result.ToJson(), Folders.FolderKind.FineTuned, sourceFolder: options.Teacher);
        return result;
    }
}
