using PeaKd.Build;
using Xunit;
using static TorchSharp.torch;
using PeaKd.Tests.Infrastructure;

namespace PeaKd.Tests.NativeFix;

[Collection(TrainingCollection.Name)]
public class TorchSharpLoadsTests
{
    [Fact]
    public void A_tensor_operation_runs_in_the_test_host()
    {
        using var a = tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2);
        using var b = tensor(new float[] { 5, 6, 7, 8 }).reshape(2, 2);
        using var product = a.matmul(b);
        Assert.Equal(new float[] { 19, 22, 43, 50 }, product.data<float>().ToArray());
    }

    [Fact]
    public void The_output_copy_of_LibTorchSharp_has_a_weak_GLIBCXX_3_4_32_need()
    {
        string library = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(library), $"{library} is missing from the build output");

        byte[] elf = File.ReadAllBytes(library);
        int flags = ElfVersionNeedPatcher.FindVersionFlags(elf, "GLIBCXX_3.4.32", library);
        Assert.True(flags > 0, "the library no longer needs GLIBCXX_3.4.32: revisit the native fix");
        Assert.Equal(2, BitConverter.ToUInt16(elf, flags) & 2); // VER_FLG_WEAK
    }
}
