using PeaKd.Modeling;
using PeaKd.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace PeaKd.Training;

/// <summary>
/// What decides a training step's bits besides the seed, the data and the options: the build (dropout's generator, the
/// optimizer's arithmetic), the device and the compute precision it resolved to (`auto` picks by device and CPU), and
/// on the CPU MKL's code path and libtorch's thread count (how products are blocked and reduced). A checkpoint records
/// them, so a resume under other ones is said rather than passed off as a bit-for-bit continuation.
/// </summary>
/// <param name="Code">The build (<c>Runs/BuildCode</c>), or null where the caller did not say.</param>
/// <param name="Device">The device the steps run on ("cpu", "cuda:0").</param>
/// <param name="Precision">The model's resolved compute precision, or null for a model that has none.</param>
/// <param name="MklCodePath">MKL's chosen code path (<see cref="MklFastPath.MklCodePath"/>); null off the CPU.</param>
/// <param name="Threads">libtorch's intra-op threads; null off the CPU.</param>
internal sealed record ComputeConditions(string? Code, string Device, string? Precision, int? MklCodePath, int? Threads)
{
    /// <summary>This process's conditions for <paramref name="model"/> on <paramref name="device"/>, with the build
    /// <paramref name="code"/>.</summary>
    public static ComputeConditions Current(string? code, nn.Module model, Device device)
    {
        bool cpu = device.type == DeviceType.CPU;
        return new(code, device.ToString(), (model as BertClassifier)?.Precision.ToString(),
            cpu ? MklFastPath.MklCodePath : null, cpu ? get_num_threads() : null);
    }

    /// <summary>How these differ from <paramref name="earlier"/>, one phrase each ("threads 2 -> 1"); empty when
    /// nothing recorded in both differs.</summary>
    public IReadOnlyList<string> ChangesSince(ComputeConditions earlier)
    {
        var changes = new List<string>();
        void Compare<T>(string name, T? then, T? now)
        {
            if (then is not null && now is not null && !EqualityComparer<T>.Default.Equals(then, now))
            {
                changes.Add($"{name} {then} -> {now}");
            }
        }
        Compare("build", earlier.Code, Code);
        Compare("device", earlier.Device, Device);
        Compare("precision", earlier.Precision, Precision);
        Compare("MKL code path", earlier.MklCodePath, MklCodePath);
        Compare("threads", earlier.Threads, Threads);
        return changes;
    }
}
