using PeaKd.Checkpoints;
using PeaKd.Data;
using PeaKd.Folders;
using PeaKd.Inference;
using PeaKd.Modeling;
using PeaKd.Runs;
using PeaKd.Training;

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

    /// <summary>Trains <paramref name="model"/> (already on the stage's device) with cross-entropy, or MSE for
    /// regression; keeps the best dev checkpoint and saves it, with the tokenizer, to <paramref name="outputFolder"/>:
    /// the run's teacher/ folder, or (a fine-tuning run) the run folder itself.</summary>
    public static TrainingResult Run(RunStage stage, BertClassifier model, TaskData data, string outputFolder)
    {
        TrainingResult result = stage.Train(model, data.Train, data.Encoder.PaddingTokenId,
            batch => SupervisedLoss.Compute(model, batch),
            () => Evaluator.DevScore(model, data, stage.Device, stage.Options.EvalBatchSize, stage.Options.SelectBy));
        Save(model, data, outputFolder, inPlace: outputFolder == stage.Run.Root);
        return result;
    }

    /// <summary>Writes the fine-tuned teacher sealed. A distill run's teacher/ is published whole (<see cref="StagedFolder"/>);
    /// a fine-tune run's own folder, which also holds the run's files, is written in place, its manifest last: a kill
    /// before the manifest leaves no manifest vouching for files that changed, and the run (with no summary) resumes.</summary>
    private static void Save(BertClassifier model, TaskData data, string outputFolder, bool inPlace)
    {
        var options = new System.Text.Json.Nodes.JsonObject { ["task"] = data.Task.Name, ["max_length"] = data.MaxLength };
        if (inPlace)
        {
            File.Delete(Path.Combine(outputFolder, FolderManifest.FileName));
            Write(model, data, outputFolder);
            FolderManifest.Write(outputFolder, FolderKind.FineTuned, options, model.Config.NameOrPath);
            return;
        }
        using StagedFolder staged = StagedFolder.Begin(outputFolder, FolderKind.FineTuned, overwrite: true, "the run's teacher folder", "a resume");
        Write(model, data, staged.Path);
        staged.Publish(options, model.Config.NameOrPath); // the pretrained model it was fine-tuned from
    }

    private static void Write(BertClassifier model, TaskData data, string folder)
    {
        HfCheckpoint.Save(model, folder);
        ModelFolder.WriteTokenizer(data.Encoder.VocabFile, folder, data.MaxLength);
    }
}
