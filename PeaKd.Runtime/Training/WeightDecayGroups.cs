using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PeaKd.Training;

/// <summary>BERT's weight-decay rule: every weight decays except biases and LayerNorm weights.</summary>
internal static class WeightDecayGroups
{
    public static bool Decays(string parameterName) =>
        !parameterName.EndsWith(".bias", StringComparison.Ordinal) && !parameterName.Contains("LayerNorm.", StringComparison.Ordinal);

    /// <summary>The model's parameters by name, split into those that decay and those that do not.</summary>
    public static (IReadOnlyList<(string Name, Parameter Parameter)> Decay, IReadOnlyList<(string Name, Parameter Parameter)> NoDecay) Split(nn.Module model)
    {
        var all = model.named_parameters().Where(p => p.parameter.requires_grad).ToList();
        return (all.Where(p => Decays(p.name)).ToList(), all.Where(p => !Decays(p.name)).ToList());
    }
}
