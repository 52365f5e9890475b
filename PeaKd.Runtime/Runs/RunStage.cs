using System.Text.Json.Nodes;
using PeaKd.Data.Batching;
using PeaKd.Data.Tokenization;
using PeaKd.Options;
using PeaKd.Training;
using static TorchSharp.torch;

namespace PeaKd.Runs;

/// <summary>One training stage of a run (finetune, ptp, kd), made by <see cref="RunSession.Stage"/>: its name, its
/// training options with their path in the run's options (PipelineOptions.KdTraining, for errors), and the session
/// whose folder, device, progress, resume and cancellation it trains with.</summary>
internal sealed class RunStage(RunSession session, string name, TrainingOptions options, OptionPath property)
{
    /// <summary>The stage's training options.</summary>
    public TrainingOptions Options => options;

    public Device Device => session.Device;

    /// <summary>The folder of the run the stage belongs to.</summary>
    public RunFolder Run => session.Folder;

    /// <summary>Trains <paramref name="model"/> (already on <see cref="Device"/>) with the shared loop, checkpointed in
    /// the stage's folder and logged to the run's metrics.jsonl; a resumed run continues the stage, or reuses it when done.</summary>
    /// <param name="model">The model to train.</param>
    /// <param name="train">The encoded training set.</param>
    /// <param name="paddingId">The vocabulary's [PAD] id.</param>
    /// <param name="loss">The loss of a batch; runs the forward pass.</param>
    /// <param name="evaluate">The dev evaluation (higher is better) that picks the weights kept.</param>
    /// <param name="startEntry">The stage's step-0 row in metrics.jsonl, if any.</param>
    public TrainingResult Train(nn.Module model, IReadOnlyList<EncodedExample> train, int paddingId,
        Func<Batch, LossTerms> loss, Func<EvaluationResult>? evaluate, JsonObject? startEntry = null)
    {
        var loop = new TrainingLoop(name, model, options, session.Folder.Stage(name), session.Folder.Log, session.Progress, session.Cancellation,
            startEntry, session.Folder.Retention, property, BuildCode.Current);
        return loop.Run(train, paddingId, session.Device, loss, evaluate, session.Resume);
    }

    /// <summary>A note under the stage's name.</summary>
    public void Note(string message) => session.Progress?.Report(TrainingProgress.Note(name, message));
}
