using PeaKd.Devices;
using Xunit;
using static TorchSharp.torch;

namespace PeaKd.Tests.Modeling;

public class DeviceSelectorTests
{
    [Fact]
    public void Cpu_and_auto_resolve_here()
    {
        Assert.Equal(TorchSharp.DeviceType.CPU, DeviceSelector.Resolve("cpu").type);
        Assert.Equal(cuda.is_available() ? TorchSharp.DeviceType.CUDA : TorchSharp.DeviceType.CPU, DeviceSelector.Resolve("AUTO").type);
    }

    [Fact]
    public void An_unknown_choice_lists_the_valid_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => DeviceSelector.Resolve("tpu"));
        Assert.Equal("--device 'tpu' is not known; use one of auto, cpu, cuda.", error.Message);
    }

    [Fact]
    public void Cuda_without_a_GPU_explains_what_to_do()
    {
        if (cuda.is_available())
        {
            Assert.Equal(TorchSharp.DeviceType.CUDA, DeviceSelector.Resolve("cuda").type);
            return;
        }
        var error = Assert.Throws<ArgumentException>(() => DeviceSelector.Resolve("cuda"));
        Assert.Contains("-p:TorchBackend=cuda", error.Message);
    }
}
