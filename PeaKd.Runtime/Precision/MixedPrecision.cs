using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PeaKd.Precision;

/// <summary>
/// A mixed-precision region, in the manner of <c>torch.autocast</c> (which TorchSharp lacks): inside it,
/// <see cref="Linear"/> runs in bf16 on bf16 copies of the fp32 weights. Each weight is cast once per region, so a
/// layer that SPS runs twice (and the gradient of both uses) shares one copy; gradients reach the fp32 master
/// weights through the cast. Regions are per thread and nest (the outermost one owns the copies).
/// </summary>
/// <remarks>
/// What stays fp32, and why (see docs/precision.md): the residual stream, since a bf16 product
/// added to the fp32 residual promotes back to fp32, so every LayerNorm normalises fp32 values with fp32
/// statistics; the embeddings; the logits (cast up before any loss or softmax, so cross-entropy, the KD
/// temperature softmax and the PTP labels are fp32); and the [CLS] states the patient loss normalises.
/// Attention takes bf16 queries, keys and values; libtorch's bf16 attention kernels accumulate the softmax in fp32.
/// </remarks>
internal sealed class MixedPrecision : IDisposable
{
    [ThreadStatic]
    private static MixedPrecision? _current;

    private readonly MixedPrecision? _outer;
    private readonly Dictionary<IntPtr, Tensor> _copies = [];
    private bool _disposed;

    private MixedPrecision(ScalarType dtype, MixedPrecision? outer)
    {
        Dtype = dtype;
        _outer = outer;
    }

    /// <summary>The compute dtype of the region.</summary>
    public ScalarType Dtype { get; }

    /// <summary>Weight copies made so far in this region (tests check that a shared layer costs one).</summary>
    public int CopyCount => _copies.Count;

    /// <summary>The innermost open region on this thread, or null (plain fp32).</summary>
    public static MixedPrecision? Current => _current;

    /// <summary>Opens a region for <paramref name="precision"/>; fp32 opens none (null, which <c>using</c> accepts).
    /// Inside an open region of the same dtype, reuses it so copies are made once.</summary>
    public static MixedPrecision? Enter(ComputePrecision precision)
    {
        if (precision == ComputePrecision.Fp32)
        {
            return null;
        }
        if (_current is { Dtype: ScalarType.BFloat16 })
        {
            return null; // already inside: the outer region keeps its copies
        }
        _current = new MixedPrecision(ScalarType.BFloat16, _current);
        return _current;
    }

    /// <summary>The linear layer, in the region's dtype when one is open (output in that dtype), else as it is.</summary>
    public static Tensor Linear(Linear layer, Tensor input)
    {
        if (_current is not { } region)
        {
            return layer.forward(input);
        }
        Tensor? bias = layer.bias is { } b ? region.Copy(b) : null;
        return nn.functional.linear(ToCompute(input), region.Copy(layer.weight!), bias);
    }

    /// <summary><paramref name="tensor"/> in the region's dtype (as it is outside a region): cast once what several
    /// products read, such as the hidden state Query, Key and Value all project.</summary>
    public static Tensor ToCompute(Tensor tensor) => _current is { } region && tensor.dtype != region.Dtype ? tensor.to(region.Dtype) : tensor;

    /// <summary><paramref name="tensor"/> in fp32 (a no-op outside a region or when it already is).</summary>
    public static Tensor ToFloat32(Tensor tensor) => tensor.dtype == ScalarType.Float32 ? tensor : tensor.to(ScalarType.Float32);

    private Tensor Copy(Parameter parameter)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_copies.TryGetValue(parameter.Handle, out Tensor? copy))
        {
            // Outlives the dispose scopes of the modules that use it; freed when the region closes. Autograd keeps
            // its own reference, so backward after the region closes still works.
            copy = parameter.to(Dtype).DetachFromDisposeScope();
            _copies[parameter.Handle] = copy;
        }
        return copy;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        foreach (Tensor copy in _copies.Values)
        {
            copy.Dispose();
        }
        _copies.Clear();
        _current = _outer;
    }
}
