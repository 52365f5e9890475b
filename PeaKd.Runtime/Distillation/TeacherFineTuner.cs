using PeaKd.Checkpoints;
using PeaKd.Data;
using PeaKd.Data.Batching;
using PeaKd.Modeling;
using PeaKd.Runs;
using PeaKd.Training;
using static TorchSharp.torch;

namespace PeaKd.Distillation;

/// <summary>Stage 1: fine-tunes a pretrained BERT on the task and writes the best-dev teacher as a model folder.</summary>
public static class TeacherFineTuner
{
    public const string StageName = "finetune";

    /// <summary>A classifier for the task on the pretrained backbone: the checkpoint's own head when it already
    /// has the task's labels, else a fresh head (N(0, 0.02), bias 0).</summary>
    public static BertClassifier ForTask(LoadedCheckpoint pretrained, TaskData data)
    {
        BertConfig config = TaskConfig(pretrained.Model.Config, data);
        if (!pretrained.Report.FreshClassifier && pretrained.Model.Config.NumLabels == data.NumLabels)
        {
            var same = new BertClassifier(config);
            StudentInitializer.Copy(pretrained.Model, same, "model");
            return same;
        }
        var model = new BertClassifier(config);
        StudentInitializer.Copy(pretrained.Model.Bert, model.Bert, "backbone");
        model.ResetClassifier();
        return model;
    }

    /// <summary>The config with the task's label names (one output for regression).</summary>
    public static BertConfig TaskConfig(BertConfig config, TaskData data) => data.Task.IsRegression
        ? config with { Labels = ["LABEL_0"], ProblemType = "regression" }
        : config with { Labels = data.Labels.ToArray(), ProblemType = "single_label_classification" };

    /// <summary>Trains <paramref name="model"/> (already on <paramref name="device"/>) with cross-entropy, or MSE
    /// for regression; keeps the best dev checkpoint and saves it to <paramref name="outputFolder"/>.</summary>
    public static TrainingResult Run(BertClassifier model, TaskData data, TrainingOptions options, RunFolder run, string outputFolder,
        Device device, ITrainingProgress progress, bool resume, Func<long, bool>? stopAfterStep = null)
    {
        var loop = new TrainingLoop(StageName, model, options, run.Stage(StageName), run.Log, progress) { StopAfterStep = stopAfterStep };
        TrainingResult result = loop.Run(data.Train, data.Encoder.PaddingTokenId, device,
            batch => SupervisedLoss(model, batch),
            () => DevScore(model, data, device, options.EvalBatchSize), resume);
        HfCheckpoint.Save(model, outputFolder, data.Encoder.VocabFile);
        CopyTokenizerConfig(Path.GetDirectoryName(data.Encoder.VocabFile)!, outputFolder);
        return result;
    }

    /// <summary>Cross-entropy to the gold labels, or MSE to the gold scores.</summary>
    public static LossTerms SupervisedLoss(BertClassifier model, Batch batch)
    {
        // no using: the training step's dispose scope frees the outputs after backward
        ClassifierOutput output = model.forward(batch.InputIds, batch.AttentionMask, batch.TokenTypeIds);
        Tensor loss = batch.Targets is { } targets
            ? nn.functional.mse_loss(output.Logits.squeeze(-1), targets)
            : nn.functional.cross_entropy(output.Logits, batch.Labels!);
        return new LossTerms(loss, new Dictionary<string, Tensor> { ["hard"] = loss });
    }

    public static EvaluationResult DevScore(BertClassifier model, TaskData data, Device device, int batchSize)
    {
        IReadOnlyDictionary<string, double> metrics = Evaluator.Evaluate(model, data, "dev", device, batchSize, predictionsFile: null)
            ?? throw new InvalidOperationException("The dev split has no labels.");
        return new EvaluationResult(Evaluator.MainScore(data, metrics), metrics);
    }

    public static void CopyTokenizerConfig(string fromFolder, string toFolder)
    {
        string source = Path.Combine(fromFolder, "tokenizer_config.json");
        string target = Path.Combine(toFolder, "tokenizer_config.json");
        if (File.Exists(source) && Path.GetFullPath(source) != Path.GetFullPath(target))
        {
            AtomicFile.Write(target, temporary => File.Copy(source, temporary, overwrite: true));
        }
    }
}
