using System.Globalization;
using PeaKd.Options;

namespace PeaKd.Sweeps;

/// <summary>A cell's estimated training time, and what the estimate rests on.</summary>
/// <param name="Cell">The cell.</param>
/// <param name="Seconds">Its estimated training time in seconds; its result's, when it is done.</param>
/// <param name="Basis">What the estimate rests on, in words.</param>
public sealed record SweepCellEstimate(SweepCell Cell, double Seconds, string Basis)
{
    /// <summary>Its properties and their values.</summary>
    public override string ToString() => RecordText.Of(this);
}

/// <summary>
/// Estimates each cell's training time from a cost it can count before anything trains: the layer passes of its
/// training, (KD epochs + PTP epochs) x training examples x effective depth, scaled by hidden size squared and length.
/// The rate, seconds per layer pass, is taken from the sweep's finished cells when there are some (their median: the
/// machines that ran them), else from the benchmark rate measured here (<see cref="BenchmarkSecondsPerLayerPass"/>).
/// An estimate, not a promise: the rate ignores evaluation, the machine's load and the batch size.
/// </summary>
public static class SweepEstimates
{
    /// <summary>Seconds per layer pass of one example at hidden size 384 and length 96 on 2 threads: the README sweep's
    /// Bert1, seed 2 (KD from the fine-tuned MiniLM teacher on Fine Foods, 2 epochs over 3,500 examples), trained in
    /// 68 s on the idle 2-core AMD EPYC of docs/SCALING.md (0.0097 s per pass).</summary>
    public const double BenchmarkSecondsPerLayerPass = 68.0 / (2 * 3_500);

    private const int ReferenceHidden = 384;
    private const int ReferenceLength = 96;

    /// <summary>Every planned cell of <paramref name="sweep"/> with its estimate: plans it, reads the teacher's config
    /// and counts the training examples.</summary>
    /// <param name="sweep">The sweep (its folder's finished cells give the rate).</param>
    public static IReadOnlyList<SweepCellEstimate> For(SweepOptions sweep)
    {
        SweepPlan plan = SweepPlanner.Plan(sweep);
        int hidden = Modeling.BertConfig.Load(Path.Combine(sweep.Teacher, "config.json")).HiddenSize;
        int examples = sweep.Data.Read(limitTrain: null).First(d => d.Split == "train").Examples.Count;
        return For(sweep, plan, examples, hidden);
    }

    /// <summary>Every planned cell with its estimate; <paramref name="trainExamples"/> is the training set's size.</summary>
    internal static IReadOnlyList<SweepCellEstimate> For(SweepOptions sweep, SweepPlan plan, int trainExamples, int hiddenSize)
    {
        var folder = new SweepFolder(sweep.Folder);
        var finished = folder.FinishedIds().ToHashSet(StringComparer.Ordinal);
        var done = plan.Cells.Where(c => finished.Contains(c.Id)).ToDictionary(c => c.Id, c => SweepCellResult.Read(folder.Result(c.Id)));
        double Passes(SweepCell cell) => LayerPasses(cell, trainExamples, hiddenSize);
        double[] rates = done.Values.Select(r => r.TrainingSeconds / Passes(plan.Cells.First(c => c.Id == r.Id))).Where(r => r > 0).Order().ToArray();
        (double rate, string basis) = rates.Length > 0
            ? (rates[rates.Length / 2], $"the median rate of this sweep's {rates.Length} finished cells")
            : (BenchmarkSecondsPerLayerPass, string.Create(CultureInfo.InvariantCulture, $"the benchmark rate, {BenchmarkSecondsPerLayerPass:F4} s per layer pass on 2 cores (docs/SCALING.md)"));
        return plan.Cells.Select(cell => done.TryGetValue(cell.Id, out SweepCellResult? result)
            ? new SweepCellEstimate(cell, result.TrainingSeconds, "done: its training time")
            : new SweepCellEstimate(cell, rate * Passes(cell), basis)).ToArray();
    }

    /// <summary>The cell's layer passes at the reference width and length: epochs of KD and PTP x examples x depth.</summary>
    private static double LayerPasses(SweepCell cell, int trainExamples, int hiddenSize)
    {
        int epochs = cell.Options.KdTraining.WithStageEpochs(Training.TrainingOptions.DefaultEpochs).EpochCount
            + (cell.Options.Ptp ? cell.Options.PtpTraining.WithStageEpochs(2).EpochCount : 0);
        double scale = Math.Pow((double)hiddenSize / ReferenceHidden, 2) * cell.Options.MaxLength / ReferenceLength;
        return (double)epochs * trainExamples * cell.Student.Plan.EffectiveDepth * scale;
    }
}
