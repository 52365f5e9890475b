using PeaKd.Native;
using static TorchSharp.torch;

namespace PeaKd.Training;

/// <summary>
/// What decides a training step's bits besides the seed, the data and the options: the build (dropout's generator, the
/// optimizer's arithmetic), MKL's code path and libtorch's thread count (how products are blocked and reduced). A
/// checkpoint records them, so a resume under other ones is said rather than passed off as a bit-for-bit continuation.
/// </summary>
/// <param name="Code">The build (<c>Runs/BuildCode</c>), or null where the caller did not say.</param>
/// <param name="MklFastPath">Whether PeaKd answered MKL's vendor check (<see cref="Native.MklFastPath"/>).</param>
/// <param name="Threads">libtorch's intra-op threads.</param>
internal sealed record ComputeConditions(string? Code, string MklFastPath, int Threads)
{
    /// <summary>This process's conditions, with the build <paramref name="code"/>.</summary>
    public static ComputeConditions Current(string? code) => new(code, Native.MklFastPath.State.ToString(), get_num_threads());

    /// <summary>How these differ from <paramref name="earlier"/>, one phrase each ("threads 2 -> 1"); empty when
    /// nothing recorded in both differs.</summary>
    public IReadOnlyList<string> ChangesSince(ComputeConditions earlier)
    {
        var changes = new List<string>();
        if (Code is not null && earlier.Code is not null && Code != earlier.Code)
        {
            changes.Add($"build {earlier.Code} -> {Code}");
        }
        if (MklFastPath != earlier.MklFastPath)
        {
            changes.Add($"MKL fast path {earlier.MklFastPath} -> {MklFastPath}");
        }
        if (Threads != earlier.Threads)
        {
            changes.Add($"threads {earlier.Threads} -> {Threads}");
        }
        return changes;
    }
}
