using PeaKd.Training;

namespace PeaKd.Distillation;

/// <summary>
/// The Pea-KD pipeline in the paper's order: (fine-tune the teacher) -> teacher record -> student initialised from
/// the pretrained model the teacher was fine-tuned from (or the teacher: <see cref="PipelineOptions.InitFrom"/>) ->
/// PTP labels and pretraining -> fresh classifier -> KD -> evaluation. Options in, a trained student
/// and a typed result out; every stage resumes where it stopped.
/// </summary>
public static class PeaKdPipeline
{
    /// <summary>
    /// Runs every stage and returns what the run produced (also written as summary.json in the run folder).
    /// The options are checked first, on their own and against the teacher's config and the data; a bad value is an
    /// <see cref="Options.InvalidOptionException"/> naming its property, thrown before any file is written or any model trained.
    /// </summary>
    /// <param name="options">The run's options.</param>
    /// <param name="progress">Receives stage starts, steps with their losses, and notes; null for none.</param>
    /// <param name="cancellationToken">Stops the run after the current training step with <see cref="OperationCanceledException"/>;
    /// the run then resumes (<see cref="PipelineOptions.Resume"/>) from its last checkpoint.</param>
    public static DistillationResult Run(PipelineOptions options, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        using DistillationRun run = DistillationRun.Prepare(options, progress, cancellationToken);
        return run.Execute();
    }

    /// <summary>
    /// Fine-tunes a pretrained BERT on a task: the best dev checkpoint is written to <see cref="FineTuneOptions.OutputFolder"/>
    /// as a teacher folder (with summary.json). Options are checked as in <see cref="Run"/>.
    /// </summary>
    /// <param name="options">The fine-tuning's options.</param>
    /// <param name="progress">Receives stage starts, steps with their losses, and notes; null for none.</param>
    /// <param name="cancellationToken">Stops after the current step, resumably.</param>
    public static FineTuneResult FineTune(FineTuneOptions options, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return FineTuneRun.Run(options, progress, cancellationToken);
    }
}
