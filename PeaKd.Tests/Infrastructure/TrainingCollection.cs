using Xunit;

namespace PeaKd.Tests.Infrastructure;

/// <summary>
/// Tests that run libtorch in the test host (Architecture/LibtorchTestsRunAloneTests finds them). Dropout draws from
/// libtorch's process-wide generator, which the loop re-seeds before every step; another test drawing from it in
/// parallel would change the numbers, and the test host crashed twice in libtorch while such tests ran in parallel.
/// Tests that swap the process-wide console (ConsoleCapture) join too. So these run alone, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TrainingCollection
{
    public const string Name = "Training (libtorch's global generator)";
}
