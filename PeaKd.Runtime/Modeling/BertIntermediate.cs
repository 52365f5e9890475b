using PeaKd.Precision;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace PeaKd.Modeling;

/// <summary>The feed-forward expansion and its activation (Hugging Face's BertIntermediate).</summary>
public sealed class BertIntermediate : nn.Module
{
    [ComponentName(Name = "dense")]
    private readonly Linear _dense;
    private readonly string _activation;

    /// <summary>Builds the expansion of <paramref name="config"/>'s sizes and activation.</summary>
    public BertIntermediate(BertConfig config) : base(nameof(BertIntermediate))
    {
        _activation = config.HiddenAct;
        _dense = nn.Linear(config.HiddenSize, config.IntermediateSize);
        RegisterComponents();
    }

    /// <summary><c>intermediate.dense</c>: hidden -> intermediate_size.</summary>
    public Linear Dense => _dense;

    /// <summary>activation(dense(<paramref name="hidden"/>)).</summary>
    /// <param name="hidden">[batch, sequence, hidden].</param>
    public Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        return Activate(MixedPrecision.Linear(Dense, hidden)).MoveToOuterDisposeScope();
    }

    private Tensor Activate(Tensor x) => _activation switch
    {
        // BERT's "gelu" is the exact erf form; "gelu_new" and "gelu_pytorch_tanh" are the tanh approximation.
        "gelu" => nn.functional.gelu(x),
        "gelu_new" or "gelu_pytorch_tanh" => nn.functional.gelu(x, TorchSharp.Modules.GELU.Approximate.tanh),
        "relu" => nn.functional.relu(x),
        _ => throw new InvalidOperationException($"hidden_act '{_activation}' is not supported."),
    };
}
