namespace PeaKd.Slurm;

/// <summary>The cluster's limits that decide how a sweep's cells are split into arrays (scontrol show config).</summary>
/// <param name="MaxArraySize">One more than the largest array index Slurm accepts (1001 by default).</param>
/// <param name="MaxJobCount">The most jobs slurmctld keeps at once (10000 by default).</param>
internal sealed record SlurmLimits(int MaxArraySize, int MaxJobCount)
{
    /// <summary>Slurm's defaults, for a configuration that does not print a limit.</summary>
    public static SlurmLimits Defaults { get; } = new(1001, 10000);

    /// <summary>The arrays that run <paramref name="cells"/> cells in order: each at most MaxArraySize tasks (indices
    /// start at 0 in each), and at most MaxJobCount, since each task becomes a job of its own once it starts.</summary>
    /// <exception cref="SlurmException">The cluster allows no arrays (MaxArraySize = 0).</exception>
    public IReadOnlyList<SlurmArrayRange> Split(int cells)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cells);
        if (MaxArraySize < 1 || MaxJobCount < 1)
        {
            throw new SlurmException("scontrol", $"This cluster allows no job arrays (MaxArraySize = {MaxArraySize}, MaxJobCount = {MaxJobCount}); ask its administrators.");
        }
        int size = Math.Min(MaxArraySize, MaxJobCount);
        var ranges = new List<SlurmArrayRange>();
        for (int offset = 0; offset < cells; offset += size)
        {
            ranges.Add(new SlurmArrayRange(offset, Math.Min(size, cells - offset)));
        }
        return ranges;
    }
}

/// <summary>A slice of the cells file that one array job runs: task i runs the cell on line Offset + i + 1.</summary>
/// <param name="Offset">The number of cells before this array's first.</param>
/// <param name="Count">The number of cells (tasks) in this array.</param>
internal sealed record SlurmArrayRange(int Offset, int Count);
