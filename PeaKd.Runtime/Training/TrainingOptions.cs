using PeaKd.Options;

namespace PeaKd.Training;

/// <summary>Optimisation settings of one training stage (PEA-KD.md's common settings are the defaults).</summary>
public sealed record TrainingOptions
{
    /// <summary>Passes over the training set; at least 1 and at most <see cref="MaxEpochs"/>. Null (the default) takes
    /// the stage's own: <see cref="DefaultEpochs"/>, and 2 for PTP, so that options setting only other values
    /// (<c>PtpTraining = new TrainingOptions { BatchSize = 16 }</c>) keep a stage's epochs.</summary>
    public int? Epochs { get; init; }

    /// <summary>The epochs of fine-tuning and KD when <see cref="Epochs"/> is not set (PEA-KD.md's common setting).</summary>
    public const int DefaultEpochs = 4;

    /// <summary>The epochs this stage runs.</summary>
    internal int EpochCount => Epochs ?? DefaultEpochs;

    /// <summary>These options with <paramref name="epochs"/> where <see cref="Epochs"/> is not set: a stage's own default.</summary>
    internal TrainingOptions WithStageEpochs(int epochs) => Epochs is null ? this with { Epochs = epochs } : this;

    /// <summary>The most epochs a stage may run: far past any fine-tuning or distillation (the paper's run 4), near enough
    /// that a mistyped count (1000000000) is refused rather than scheduled for years.</summary>
    internal const int MaxEpochs = 10_000;

    /// <summary>The most steps (epochs times batches per epoch) a stage may take; a larger count is refused when the
    /// training set is known, naming <see cref="Epochs"/> and <see cref="BatchSize"/>.</summary>
    internal const long MaxSteps = int.MaxValue;

    /// <summary>Examples per optimisation step; at least 1.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>The peak learning rate (linear warmup, then linear decay to 0); positive.</summary>
    public double LearningRate { get; init; } = 2e-5;

    /// <summary>AdamW's decoupled weight decay, applied to every weight but biases and LayerNorm; at least 0.</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>The share of the steps spent warming the learning rate up from 0; in [0, 1).</summary>
    public double WarmupFraction { get; init; } = 0.1;

    /// <summary>Gradients are clipped to this global L2 norm; positive.</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>Seed of the batch order, dropout and fresh weights: the same seed gives the same run.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Steps between metrics.jsonl lines; at least 1.</summary>
    public int LogEvery { get; init; } = 10;

    /// <summary>Steps between resumable checkpoints (epoch ends always get one); 0 for epoch ends only.</summary>
    public int CheckpointEvery { get; init; } = 100;

    /// <summary>Group examples of similar length into batches, for less padding.</summary>
    public bool BucketByLength { get; init; } = true;

    /// <summary>Steps between dev checks, besides the one at each epoch's end; 0 checks at epoch ends only. The best
    /// check's weights are kept, as the authors do (they check every 2 to 80 steps).</summary>
    public int EvalEvery { get; init; }

    /// <summary>Which dev check's weights are kept: the best metric (the default) or the lowest dev loss.</summary>
    public DevSelection SelectBy { get; init; } = DevSelection.Metric;

    /// <summary>Examples per batch when evaluating; at least 1.</summary>
    public int EvalBatchSize { get; init; } = 64;

    /// <summary>Refuses a stage of more than <see cref="MaxSteps"/> steps over <paramref name="trainExamples"/> examples,
    /// naming <see cref="Epochs"/> and <see cref="BatchSize"/> under <paramref name="property"/>; the step count otherwise.</summary>
    internal long CheckTotalSteps(int trainExamples, string property = nameof(TrainingOptions))
    {
        var path = new OptionPath(property);
        long batchesPerEpoch = ((long)trainExamples + BatchSize - 1) / BatchSize;
        long steps = (long)EpochCount * batchesPerEpoch;
        if (steps > MaxSteps)
        {
            throw new InvalidOptionException(path / nameof(Epochs),
                $"is {EpochCount:N0}, which with {batchesPerEpoch:N0} batches per epoch ({path / nameof(BatchSize)} {BatchSize:N0} over {trainExamples:N0} training examples) makes {steps:N0} steps, more than the {MaxSteps:N0} one stage may take; use fewer epochs or larger batches.");
        }
        return steps;
    }

    /// <summary>Throws <see cref="InvalidOptionException"/> naming the first invalid value under <paramref name="property"/>
    /// (for example <c>PipelineOptions.KdTraining</c>).</summary>
    internal void Validate(string property = nameof(TrainingOptions))
    {
        var path = new OptionPath(property);
        if (Epochs is int epochs)
        {
            OptionCheck.AtLeast(path / nameof(Epochs), epochs, 1);
            OptionCheck.AtMost(path / nameof(Epochs), epochs, MaxEpochs);
        }
        OptionCheck.AtLeast(path / nameof(BatchSize), BatchSize, 1);
        OptionCheck.Positive(path / nameof(LearningRate), LearningRate);
        OptionCheck.NotNegative(path / nameof(WeightDecay), WeightDecay);
        OptionCheck.Fraction(path / nameof(WarmupFraction), WarmupFraction, upperOpen: true);
        OptionCheck.Positive(path / nameof(MaxGradNorm), MaxGradNorm);
        OptionCheck.AtLeast(path / nameof(LogEvery), LogEvery, 1);
        OptionCheck.AtLeast(path / nameof(CheckpointEvery), CheckpointEvery, 0);
        OptionCheck.AtLeast(path / nameof(EvalEvery), EvalEvery, 0);
        OptionCheck.Defined(path / nameof(SelectBy), SelectBy);
        OptionCheck.AtLeast(path / nameof(EvalBatchSize), EvalBatchSize, 1);
    }

    /// <summary>Its properties and their values, lists and dictionaries with their items.</summary>
    public override string ToString() => RecordText.Of(this);
}
