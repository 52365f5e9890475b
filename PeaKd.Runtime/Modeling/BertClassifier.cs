using PeaKd.Precision;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace PeaKd.Modeling;

/// <summary>
/// BERT with a sequence-classification head (Hugging Face's BertForSequenceClassification):
/// <c>bert.*</c> plus <c>classifier.*</c>. Returns the logits and the hidden state after every
/// effective encoder layer. Students derive from it and override <see cref="RunEncoder"/> to reuse layers.
/// </summary>
public class BertClassifier : nn.Module
{
    [ComponentName(Name = "bert")]
    private readonly BertModel _bert;
    [ComponentName(Name = "classifier")]
    private readonly Linear _classifier;
    private readonly double _classifierDropout;

    /// <param name="config">Sizes and label set; <see cref="BertConfig.Validate"/> runs first.</param>
    /// <param name="ownedLayers">Encoder layers that own parameters; the config's layer count when null.</param>
    public BertClassifier(BertConfig config, int? ownedLayers = null) : base(nameof(BertClassifier))
    {
        config.Validate();
        Config = config;
        _classifierDropout = config.HiddenDropoutProb;
        _bert = new BertModel(config, ownedLayers ?? config.NumHiddenLayers);
        _classifier = nn.Linear(config.HiddenSize, config.NumLabels);
        RegisterComponents();
        BertInitializer.Initialize(this, config);
    }

    public BertConfig Config { get; }
    public BertModel Bert => _bert;
    public Linear Classifier => _classifier;

    /// <summary>How the forward pass computes: fp32, or bf16 matrix products on copies of the fp32 weights
    /// (<see cref="MixedPrecision"/>). Not saved with the weights: a run sets it.</summary>
    public ComputePrecision Precision { get; set; } = ComputePrecision.Fp32;

    /// <summary>Encoder layers in the forward pass (owned layers plus reused ones).</summary>
    public virtual int EffectiveDepth => Bert.Encoder.Layer.Count;

    /// <param name="inputIds">[batch, sequence] token ids.</param>
    /// <param name="attentionMask">[batch, sequence], 1 for tokens and 0 for padding; null means no padding.</param>
    /// <param name="tokenTypeIds">[batch, sequence] segment ids; null means all zeros.</param>
    public ClassifierOutput forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? tokenTypeIds = null)
    {
        using var scope = NewDisposeScope();
        using MixedPrecision? region = MixedPrecision.Enter(Precision);
        Tensor segments = tokenTypeIds ?? zeros_like(inputIds);
        Tensor embeddings = Bert.Embeddings.forward(inputIds, segments);
        // The additive mask in the dtype attention computes in (bf16 inside a mixed-precision region).
        ScalarType computeType = MixedPrecision.Current?.Dtype ?? embeddings.dtype;
        Tensor? mask = attentionMask is null ? null : BertModel.ExtendAttentionMask(attentionMask, computeType);
        IReadOnlyList<Tensor> hiddenStates = RunEncoder(embeddings, mask);
        Tensor pooled = MixedPrecision.ToFloat32(Bert.Pooler.forward(hiddenStates[^1]));
        // Logits leave in fp32 whatever the precision: every loss and softmax over them is fp32.
        Tensor logits = MixedPrecision.ToFloat32(MixedPrecision.Linear(Classifier, nn.functional.dropout(pooled, _classifierDropout, training)));
        return new ClassifierOutput(
            logits.MoveToOuterDisposeScope(),
            hiddenStates.Select(state => state.MoveToOuterDisposeScope()).ToArray(),
            pooled.MoveToOuterDisposeScope());
    }

    /// <summary>Runs the encoder and returns the hidden state after each effective layer, in order.
    /// The default runs every owned layer once, as BERT does.</summary>
    protected virtual IReadOnlyList<Tensor> RunEncoder(Tensor embeddings, Tensor? attentionMask)
    {
        var states = new List<Tensor>(Bert.Encoder.Layer.Count);
        Tensor hidden = embeddings;
        foreach (BertLayer layer in Bert.Encoder.Layer)
        {
            hidden = layer.forward(hidden, attentionMask);
            states.Add(hidden);
        }
        return states;
    }

    /// <summary>Replaces the classification head with a fresh one (weights N(0, initializer_range), bias 0).</summary>
    public void ResetClassifier()
    {
        using var noGrad = no_grad();
        Classifier.weight!.normal_(0, Config.InitializerRange);
        Classifier.bias!.zero_();
    }
}
