using PeaKd.Precision;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace PeaKd.Modeling;

/// <summary>
/// BERT with a sequence-classification head (Hugging Face's BertForSequenceClassification):
/// <c>bert.*</c> plus <c>classifier.*</c>. Returns the logits and the output of every effective encoder
/// layer. Students derive from it and override <see cref="RunEncoder"/> to reuse layers.
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
        ParameterCount.CheckFitsInMemory(config, nameof(BertConfig), ownedLayers); // before a single tensor is allocated
        Config = config;
        _classifierDropout = config.HiddenDropoutProb;
        _bert = new BertModel(config, ownedLayers ?? config.NumHiddenLayers);
        _classifier = nn.Linear(config.HiddenSize, config.NumLabels);
        RegisterComponents();
        BertInitializer.Initialize(this, config);
    }

    /// <summary>The sizes and label set the model was built with.</summary>
    public BertConfig Config { get; }

    /// <summary>The backbone: <c>bert.embeddings</c>, <c>bert.encoder</c>, <c>bert.pooler</c>.</summary>
    public BertModel Bert => _bert;

    /// <summary>The classification head, <c>classifier</c>: [labels, hidden].</summary>
    public Linear Classifier => _classifier;

    /// <summary>How the forward pass computes: fp32, or bf16 matrix products on copies of the fp32 weights
    /// (<see cref="MixedPrecision"/>). Not saved with the weights: a run sets it.</summary>
    public ComputePrecision Precision { get; set; } = ComputePrecision.Fp32;

    /// <summary>Encoder layers in the forward pass (owned layers plus reused ones).</summary>
    public virtual int EffectiveDepth => Bert.Encoder.Layer.Count;

    /// <summary>The logits and every layer's output for a batch of token ids.</summary>
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
        IReadOnlyList<Tensor> layerOutputs = RunEncoder(embeddings, mask);
        Tensor pooled = MixedPrecision.ToFloat32(Bert.Pooler.forward(layerOutputs[^1]));
        // Logits leave in fp32 whatever the precision: every loss and softmax over them is fp32.
        Tensor logits = MixedPrecision.ToFloat32(MixedPrecision.Linear(Classifier, ParallelDropout.Apply(pooled, _classifierDropout, training)));
        return new ClassifierOutput(
            logits.MoveToOuterDisposeScope(),
            layerOutputs.Select(state => state.MoveToOuterDisposeScope()).ToArray(),
            pooled.MoveToOuterDisposeScope());
    }

    /// <summary>Runs the encoder and returns the output of each effective layer, in order. The default is the
    /// encoder's own loop (every owned layer once); a student overrides it with its sharing plan.</summary>
    /// <param name="embeddings">[batch, sequence, hidden].</param>
    /// <param name="attentionMask">The additive mask [batch, 1, 1, sequence], or null for no padding.</param>
    protected virtual IReadOnlyList<Tensor> RunEncoder(Tensor embeddings, Tensor? attentionMask) => Bert.Encoder.forward(embeddings, attentionMask);

    /// <summary>Replaces the classification head with a fresh one (weights N(0, initializer_range), bias 0).</summary>
    internal void ResetClassifier()
    {
        using var noGrad = no_grad();
        Classifier.weight!.normal_(0, Config.InitializerRange);
        Classifier.bias!.zero_();
    }
}
