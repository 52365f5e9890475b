using PeaKd.Checkpoints;
using PeaKd.Data;
using PeaKd.Inference;
using PeaKd.Modeling;
using PeaKd.Runs;
using PeaKd.Training;
using static TorchSharp.torch;

namespace PeaKd.Distillation;

/// <summary>Stage 1: fine-tunes a pretrained BERT on the task and writes the best-dev teacher as a model folder.</summary>
internal static class TeacherFineTuner
{
    public const string StageName = "finetune";

    /// <summary>A classifier for the task on the pretrained backbone: the checkpoint's own head when it already
    /// has the task's labels, else a fresh head (N(0, 0.02), bias 0). Its config records <paramref name="pretrainedFolder"/>
    /// (<see cref="BertConfig.NameOrPath"/>), where students of this teacher start from.</summary>
    public static BertClassifier ForTask(LoadedCheckpoint pretrained, string pretrainedFolder, TaskData data)
    {
        BertConfig config = ModelFolder.WithTaskLabels(pretrained.Model.Config, data) with { NameOrPath = Path.GetFullPath(pretrainedFolder) };
        var model = new BertClassifier(config);
        // the checkpoint's own head only when its outputs already mean the task's labels
        IReadOnlyList<string>? names = ModelFolder.LabelNames(pretrained.Model.Config);
        if (!pretrained.Report.FreshClassifier && pretrained.Model.Config.NumLabels == data.NumLabels && (names is null || names.SequenceEqual(config.Labels)))
        {
            ModuleCopy.Copy(pretrained.Model, model, "the pretrained model");
            return model;
        }
        ModuleCopy.Copy(pretrained.Model.Bert, model.Bert, "the pretrained backbone");
        model.ResetClassifier();
        return model;
    }

    /// <summary>Trains <paramref name="model"/> (already on <paramref name="device"/>) with cross-entropy, or MSE
    /// for regression; keeps the best dev checkpoint and saves it, with the tokenizer, to <paramref name="outputFolder"/>.
    /// <paramref name="optionsProperty"/> names <paramref name="options"/> in the caller's API, for errors.</summary>
    public static TrainingResult Run(BertClassifier model, TaskData data, TrainingOptions options, string optionsProperty, RunFolder run, string outputFolder,
        Device device, IProgress<TrainingProgress>? progress, bool resume, CancellationToken cancellationToken)
    {
        var loop = new TrainingLoop(StageName, model, options, run.Stage(StageName), run.Log, progress, cancellationToken, retention: run.Retention, optionsProperty: optionsProperty);
        TrainingResult result = loop.Run(data.Train, data.Encoder.PaddingTokenId, device,
            batch => SupervisedLoss.Compute(model, batch),
            () => Evaluator.DevScore(model, data, device, options.EvalBatchSize, options.SelectBy), resume);
        HfCheckpoint.Save(model, outputFolder);
        ModelFolder.WriteTokenizer(data.Encoder.VocabFile, outputFolder, data.MaxLength);
        return result;
    }
}
