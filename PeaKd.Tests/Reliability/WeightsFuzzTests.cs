using PeaKd.Checkpoints;
using PeaKd.IO;
using PeaKd.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace PeaKd.Tests.Reliability;

/// <summary>Mutated copies of the real fixture checkpoints: model.safetensors (tiny-bert) and pytorch_model.bin
/// (tiny-bert-backbone) either load or fail with a <see cref="CorruptFileException"/> naming the file.</summary>
[Collection(TrainingCollection.Name)]
public class WeightsFuzzTests(ITestOutputHelper log)
{
    private static readonly Type[] Documented = [typeof(CorruptFileException)];

    private static void Load(string path)
    {
        foreach (Tensor tensor in WeightsFile.Read(path).Values)
        {
            tensor.Dispose();
        }
    }

    [Fact]
    public void Mutated_safetensors_load_or_fail_naming_the_file()
    {
        byte[] original = File.ReadAllBytes(TestFiles.Fixture("tiny-bert", "model.safetensors"));
        var (parsed, rejected) = Fuzz.Check(Fuzz.Mutants(original, hotBytes: 4096), 600, "model.safetensors", Load, Documented);
        log.WriteLine($"safetensors: {parsed} mutants loaded, {rejected} rejected");
    }

    [Fact]
    public void Mutated_pytorch_bin_loads_or_fails_naming_the_file()
    {
        byte[] original = File.ReadAllBytes(TestFiles.Fixture("tiny-bert-backbone", "pytorch_model.bin"));
        var (parsed, rejected) = Fuzz.Check(Fuzz.Mutants(original, hotBytes: 2048), 600, "pytorch_model.bin", Load, Documented);
        log.WriteLine($"pytorch_model.bin: {parsed} mutants loaded, {rejected} rejected");
    }
}
