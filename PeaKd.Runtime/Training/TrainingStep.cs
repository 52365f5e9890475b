using static TorchSharp.torch;

namespace PeaKd.Training;

/// <summary>
/// One optimisation step, the unit every stage (and the benchmarks) repeats: the loss, a finiteness check before
/// anything changes, backward, gradient clipping, AdamW and zeroed gradients.
/// </summary>
internal static class TrainingStep
{
    /// <param name="optimizer">The optimizer over the trained parameters.</param>
    /// <param name="computeLoss">Runs the forward pass and returns the loss terms.</param>
    /// <param name="learningRate">This step's learning rate.</param>
    /// <param name="maxGradNorm">Gradients are clipped to this global L2 norm.</param>
    /// <param name="diverged">Makes the exception thrown for the first non-finite term (its name is passed).</param>
    /// <returns>Every term's value, and "loss" for the total.</returns>
    public static Dictionary<string, double> Run(AdamW optimizer, Func<LossTerms> computeLoss, double learningRate, double maxGradNorm,
        Func<string, Exception> diverged)
    {
        using var scope = NewDisposeScope();
        LossTerms terms = computeLoss();
        Dictionary<string, double> values = terms.Parts.ToDictionary(p => p.Key, p => (double)p.Value.item<float>());
        values["loss"] = terms.Total.item<float>();
        string? bad = values.FirstOrDefault(v => !double.IsFinite(v.Value)).Key;
        if (bad is not null)
        {
            throw diverged(bad);
        }
        terms.Total.backward();
        nn.utils.clip_grad_norm_(optimizer.Parameters, maxGradNorm);
        optimizer.Step(learningRate);
        optimizer.ZeroGrad();
        return values;
    }
}
