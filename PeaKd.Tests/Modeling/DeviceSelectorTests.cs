using PeaKd.Devices;
using Xunit;
using PeaKd.Options;
using static TorchSharp.torch;
using PeaKd.Tests.Infrastructure;

namespace PeaKd.Tests.Modeling;

[Collection(TrainingCollection.Name)]
public class DeviceSelectorTests
{
    [Fact]
    public void Cpu_and_auto_resolve_here()
    {
        Assert.Equal(TorchSharp.DeviceType.CPU, DeviceSelector.Resolve(DeviceChoice.Cpu).type);
        Assert.Equal(cuda.is_available() ? TorchSharp.DeviceType.CUDA : TorchSharp.DeviceType.CPU, DeviceSelector.Resolve(DeviceChoice.Auto).type);
    }

    [Fact]
    public void A_value_outside_the_enum_names_the_property_and_the_choices()
    {
        var error = Assert.Throws<InvalidOptionException>(() => DeviceSelector.Resolve((DeviceChoice)7, "PipelineOptions.Device"));
        Assert.Equal("PipelineOptions.Device", error.Property);
        Assert.Equal("PipelineOptions.Device is 7, which is not a DeviceChoice; use Auto, Cpu or Cuda.", error.Message);
    }

    [Fact]
    public void Cuda_without_a_GPU_explains_what_to_do()
    {
        if (cuda.is_available())
        {
            Assert.Equal(TorchSharp.DeviceType.CUDA, DeviceSelector.Resolve(DeviceChoice.Cuda).type);
            return;
        }
        var error = Assert.Throws<InvalidOptionException>(() => DeviceSelector.Resolve(DeviceChoice.Cuda, "PipelineOptions.Device"));
        Assert.StartsWith("PipelineOptions.Device is Cuda, but no CUDA device is available", error.Message);
        Assert.Contains("the CUDA backend (the TorchSharp-cuda-linux package)", error.Message);

        // the CLI says it in its own words
        var (exit, _, cli) = PeaKd.Tests.Infrastructure.ConsoleCapture.Run(() => PeaKd.Samples.Cli.PeakdCli.Run(["info", "--device", "cuda"]));
        Assert.Equal(1, exit);
        Assert.StartsWith("peakd info: --device is Cuda, but no CUDA device is available", cli);
        Assert.Contains("Use --device cpu, or build with -p:TorchBackend=cuda on a machine with an NVIDIA GPU.", cli);
    }
}
