using static TorchSharp.torch;

namespace PeaKd.Modeling;

/// <summary>Copies weights between modules of the same shape: a teacher's layers into a student, a pretrained
/// backbone into a task model, an owner's layer into its unrolled copy.</summary>
internal static class ModuleCopy
{
    /// <summary>Copies every tensor of <paramref name="source"/> into the same-named tensor of <paramref name="target"/>.</summary>
    /// <param name="source">The module to read.</param>
    /// <param name="target">The module to fill; every one of its tensors must exist in the source with its shape.</param>
    /// <param name="what">What is copied, for the message when the shapes differ ("layer 3").</param>
    public static void Copy(nn.Module source, nn.Module target, string what)
    {
        Dictionary<string, Tensor> from = source.state_dict();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach ((string name, Tensor to) in target.state_dict())
        {
            if (!from.TryGetValue(name, out Tensor? value) || !value.shape.SequenceEqual(to.shape))
            {
                throw new ArgumentException($"Cannot copy {what}: '{name}' differs in shape. The two models must share hidden and FFN sizes.");
            }
            to.copy_(value);
        }
    }
}
