using static TorchSharp.torch;

namespace PeaKd.Training;

/// <summary>A batch's loss: the total that is back-propagated and its named parts (for the log).</summary>
internal sealed record LossTerms(Tensor Total, IReadOnlyDictionary<string, Tensor> Parts);

/// <summary>A dev evaluation: the score that picks the best checkpoint (higher is better) and every metric.</summary>
internal sealed record EvaluationResult(double Score, IReadOnlyDictionary<string, double> Metrics);
