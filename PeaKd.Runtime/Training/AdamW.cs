using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PeaKd.Training;

/// <summary>
/// AdamW (Loshchilov and Hutter; PyTorch's algorithm, decoupled weight decay, bias correction) whose state is
/// plain named tensors, so a checkpoint holds it beside the weights and a resumed run continues bit for bit. On the
/// CPU each parameter's update is one pass over its memory (<see cref="FusedAdamWUpdate"/>).
/// </summary>
internal sealed class AdamW : IDisposable
{
    private readonly List<Slot> _slots;

    /// <param name="parameters">(name, parameter, weight decay) for every trained parameter.</param>
    /// <param name="beta1">Decay of the first moment.</param>
    /// <param name="beta2">Decay of the second moment.</param>
    /// <param name="epsilon">Added to the second moment's square root.</param>
    public AdamW(IEnumerable<(string Name, Parameter Parameter, double WeightDecay)> parameters, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        _slots = parameters.Select(p => new Slot(p.Name, p.Parameter, p.WeightDecay,
            zeros_like(p.Parameter).DetachFromDisposeScope(), zeros_like(p.Parameter).DetachFromDisposeScope())).ToList();
    }

    /// <summary>The usual BERT setup: weight decay on every weight but biases and LayerNorm.</summary>
    public static AdamW ForModel(nn.Module model, double weightDecay)
    {
        var (decay, noDecay) = WeightDecayGroups.Split(model);
        return new AdamW(decay.Select(p => (p.Name, p.Parameter, weightDecay)).Concat(noDecay.Select(p => (p.Name, p.Parameter, 0.0))));
    }

    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Epsilon { get; }

    /// <summary>Steps taken (the bias-correction count).</summary>
    public long Steps { get; private set; }

    public IEnumerable<(string Name, double WeightDecay)> Groups => _slots.Select(s => (s.Name, s.WeightDecay));

    public IEnumerable<Parameter> Parameters => _slots.Select(s => s.Parameter);

    /// <summary>One update with learning rate <paramref name="learningRate"/>; parameters without a gradient are skipped.</summary>
    public void Step(double learningRate)
    {
        Steps++;
        double correction1 = 1 - Math.Pow(Beta1, Steps);
        double correction2 = 1 - Math.Pow(Beta2, Steps);
        double stepSize = learningRate / correction1;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (Slot slot in _slots)
        {
            Tensor? gradient = slot.Parameter.grad;
            if (gradient is null)
            {
                continue;
            }
            if (FusedAdamWUpdate.Applies(slot.Parameter, gradient, slot.ExpAvg, slot.ExpAvgSq))
            {
                FusedAdamWUpdate.Apply(slot.Parameter, gradient, slot.ExpAvg, slot.ExpAvgSq,
                    FusedAdamWUpdate.Coefficients.For(learningRate, slot.WeightDecay, Beta1, Beta2, Epsilon, Steps));
                continue;
            }
            // Elsewhere (a GPU): the same update as tensor operations.
            if (slot.WeightDecay != 0)
            {
                slot.Parameter.mul_(1 - learningRate * slot.WeightDecay);
            }
            slot.ExpAvg.mul_(Beta1).add_(gradient, alpha: 1 - Beta1);
            slot.ExpAvgSq.mul_(Beta2).addcmul_(gradient, gradient, value: 1 - Beta2);
            Tensor denominator = (slot.ExpAvgSq.sqrt() / Math.Sqrt(correction2)).add_(Epsilon);
            slot.Parameter.addcdiv_(slot.ExpAvg, denominator, value: -stepSize);
        }
    }

    public void ZeroGrad()
    {
        using var scope = NewDisposeScope(); // each .grad access makes a handle that must not outlive the step
        foreach (Slot slot in _slots)
        {
            slot.Parameter.grad?.zero_();
        }
    }

    /// <summary>The moments by name ("exp_avg.{param}", "exp_avg_sq.{param}"), for a checkpoint.</summary>
    public Dictionary<string, Tensor> StateDict() =>
        _slots.SelectMany(s => new[] { ($"exp_avg.{s.Name}", s.ExpAvg), ($"exp_avg_sq.{s.Name}", s.ExpAvgSq) })
            .ToDictionary(p => p.Item1, p => p.Item2);

    /// <summary>Restores the moments and the step count saved by <see cref="StateDict"/>.</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, long steps)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach ((string name, Tensor target) in StateDict())
        {
            if (!state.TryGetValue(name, out Tensor? value) || !value.shape.SequenceEqual(target.shape))
            {
                throw new InvalidDataException($"The optimizer state has no tensor '{name}' of shape [{string.Join(", ", target.shape)}]; the checkpoint belongs to another model.");
            }
            target.copy_(value);
        }
        Steps = steps;
    }

    public void Dispose()
    {
        foreach (Slot slot in _slots)
        {
            slot.ExpAvg.Dispose();
            slot.ExpAvgSq.Dispose();
        }
    }

    private sealed record Slot(string Name, Parameter Parameter, double WeightDecay, Tensor ExpAvg, Tensor ExpAvgSq);
}
