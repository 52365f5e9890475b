using Xunit;

namespace PeaKd.Tests.Infrastructure;

/// <summary>
/// Tests that train and compare runs bit for bit. Dropout draws from libtorch's process-wide generator, which
/// the loop re-seeds before every step; another test drawing from it in parallel would change the numbers.
/// So these run alone, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TrainingCollection
{
    public const string Name = "Training (libtorch's global generator)";
}
