using PeaKd.Modeling;
using static TorchSharp.torch;

namespace PeaKd.Students;

/// <summary>
/// The base of every generated student: a <see cref="BertClassifier"/> whose encoder owns
/// <see cref="StudentPlan.OwnedLayers"/> layers and runs <see cref="StudentPlan.EffectiveDepth"/> of them,
/// reusing owned layers by reference (each tensor is registered and saved once; gradients of both uses add up).
/// </summary>
public abstract class StudentModel : BertClassifier
{
    /// <param name="config">Sizes from the teacher's config; the layer count is replaced by the plan's owned layers.</param>
    /// <param name="numLabels">Classes of the task (1 for regression).</param>
    /// <param name="plan">The generated plan of the derived class.</param>
    protected StudentModel(BertConfig config, int numLabels, StudentPlan plan)
        : base(StudentConfig(config, numLabels, plan), plan.OwnedLayers)
    {
        Plan = plan;
    }

    /// <summary>The architecture this instance was built from.</summary>
    public StudentPlan Plan { get; }

    /// <summary>Encoder layers in the forward pass: the plan's effective depth.</summary>
    public override int EffectiveDepth => Plan.EffectiveDepth;

    /// <summary>Owned layer <paramref name="index"/> (bert.encoder.layer.N).</summary>
    protected BertLayer OwnedLayer(int index) => Bert.Encoder.Layer[index];

    /// <summary>The config a student of <paramref name="plan"/> gets from <paramref name="config"/>; fails
    /// when a size the plan pins disagrees with the config.</summary>
    internal static BertConfig StudentConfig(BertConfig config, int numLabels, StudentPlan plan)
    {
        CheckPins(plan, config, "BertConfig");
        if (numLabels < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(numLabels), numLabels, "A student needs at least one label (1 for regression).");
        }
        BertConfig student = config with { NumHiddenLayers = plan.OwnedLayers };
        return student.NumLabels == numLabels ? student : student.WithLabelCount(numLabels);
    }

    /// <summary>Fails when a size <paramref name="plan"/> pins disagrees with <paramref name="config"/>, read from
    /// <paramref name="source"/> (named in the message): checked before any training, not when the student is built.</summary>
    internal static void CheckPins(StudentPlan plan, BertConfig config, string source)
    {
        CheckPinned(plan, "Hidden", plan.Hidden, "hidden_size", config.HiddenSize, source);
        CheckPinned(plan, "Heads", plan.Heads, "num_attention_heads", config.NumAttentionHeads, source);
        CheckPinned(plan, "Intermediate", plan.Intermediate, "intermediate_size", config.IntermediateSize, source);
    }

    private static void CheckPinned(StudentPlan plan, string property, int? pinned, string field, int actual, string source)
    {
        if (pinned is int value && value != actual)
        {
            throw new InvalidConfigException(source, field,
                $"student {plan.Name} pins {property} = {value} but the config has {field} {actual}; use a teacher of that size or remove the pin.");
        }
    }
}
