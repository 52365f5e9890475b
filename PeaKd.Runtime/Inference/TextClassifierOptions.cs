using PeaKd.Devices;
using PeaKd.Options;
using PeaKd.Precision;

namespace PeaKd.Inference;

/// <summary>How a <see cref="TextClassifier"/> runs its model.</summary>
public sealed record TextClassifierOptions
{
    private static readonly OptionPath Name = new(nameof(TextClassifierOptions));

    /// <summary>Where the model runs.</summary>
    public DeviceChoice Device { get; init; } = DeviceChoice.Auto;

    /// <summary>How it computes (bf16 is faster on CPUs with AVX-512 BF16 or AMX, and on recent GPUs).</summary>
    public PrecisionChoice Precision { get; init; } = PrecisionChoice.Fp32;

    /// <summary>Tokens per text, special tokens included; longer texts are truncated. Null: the length the model was
    /// trained with (its tokenizer_config.json's model_max_length), else 128.</summary>
    public int? MaxLength { get; init; }

    /// <summary>Texts per forward pass in <see cref="TextClassifier.PredictBatch(IReadOnlyList{string})"/> and <see cref="TextClassifier.Evaluate"/>.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>ONNX Runtime's intra-op threads for an ONNX export; null for its default (the physical cores). A serving
    /// measurement fixes them, so that its accuracy is scored on the threads its latency was timed on.</summary>
    internal int? OnnxThreads { get; init; }

    /// <summary>Throws <see cref="InvalidOptionException"/> naming the first invalid property.</summary>
    public void Validate()
    {
        OptionCheck.Defined(Name / nameof(Device), Device);
        OptionCheck.Defined(Name / nameof(Precision), Precision);
        if (MaxLength is int length)
        {
            OptionCheck.Between(Name / nameof(MaxLength), length, 8, 4096);
        }
        OptionCheck.AtLeast(Name / nameof(BatchSize), BatchSize, 1);
        if (OnnxThreads is int threads)
        {
            OptionCheck.AtLeast(Name / nameof(OnnxThreads), threads, 1);
        }
    }

    /// <summary>Its properties and their values, lists and dictionaries with their items.</summary>
    public override string ToString() => RecordText.Of(this);
}
