namespace PeaKd.Export;

/// <summary>How an ONNX export stores its weights.</summary>
public enum OnnxQuantization
{
    /// <summary>No quantization: fp32 weights, as trained, in standard ONNX; ONNX Runtime computes the student's logits
    /// to about 1e-6.</summary>
    Fp32,

    /// <summary>ONNX Runtime's dynamic int8 scheme: every linear layer's weights as int8 with a scale per output column
    /// (symmetric, zero point 0), activations quantized per call (DynamicQuantizeLinear, MatMulInteger); the word
    /// embeddings as int8 with a scale per token. LayerNorms, position and segment embeddings and biases stay fp32.
    /// Self-attention uses ONNX Runtime's fused QAttention (com.microsoft), as its own quantizer writes for BERT, so the
    /// file runs in ONNX Runtime (directly or through ML.NET), not in other ONNX runtimes; the fp32 export is standard
    /// ONNX. About a quarter of the fp32 file, and faster on CPUs with int8 dot products (AVX-512 VNNI).</summary>
    Int8,
}
