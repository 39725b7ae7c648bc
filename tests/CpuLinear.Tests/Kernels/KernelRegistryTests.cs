using CpuLinear.Kernels;
using CpuLinear.Simd;

namespace CpuLinear.Tests.Kernels;

/// <summary>
/// CI runs the suite three times (all ISAs, DOTNET_EnableAVX512=0, DOTNET_EnableAVX2=0) and tells each run
/// which path it must get through CPULINEAR_EXPECT_KERNEL, so a run that silently fell back is caught.
/// </summary>
public class KernelRegistryTests
{
    [Fact]
    public void SelectedPathIsTheOneThisRunExpects()
    {
        string? expected = Environment.GetEnvironmentVariable("CPULINEAR_EXPECT_KERNEL");
        string? forced = Environment.GetEnvironmentVariable(KernelRegistry.EnvironmentVariable);
        KernelPath want = !string.IsNullOrEmpty(expected) ? KernelRegistry.Parse(expected)
            : !string.IsNullOrEmpty(forced) ? KernelRegistry.Parse(forced)
            : KernelRegistry.Widest;
        Assert.Equal(want, KernelRegistry.Selected);
    }

    [Fact]
    public void RuntimeSwitchesAreHonoured()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") == "0")
        {
            Assert.DoesNotContain(KernelPath.Vector512, KernelRegistry.Accelerated);
        }

        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX2") == "0")
        {
            Assert.True(KernelRegistry.Widest <= KernelPath.Vector128, $"Widest is {KernelRegistry.Widest} with AVX2 disabled");
        }

        Assert.Equal(KernelPath.Scalar, KernelRegistry.Accelerated[0]);
        Assert.Contains(KernelRegistry.Widest, KernelRegistry.Accelerated);
    }

    [Fact]
    public void UnknownPathNamesAreRejectedWithTheChoices()
    {
        var ex = Assert.Throws<ArgumentException>(() => KernelRegistry.Parse("avx9000"));
        Assert.Contains("avx9000", ex.Message);
        Assert.Contains("vector256", ex.Message);
        Assert.Equal(KernelPath.Vector128, KernelRegistry.Parse(" Vector128 "));
    }

    [Fact]
    public void NarrowOutputsUseANarrowerAcceleratedPath()
    {
        KernelPath chosen = Gemm.NarrowForWidth(KernelPath.Vector512, 10);
        Assert.True(Gemm.PanelWidth(chosen) >= 10);
        Assert.True(chosen == KernelPath.Vector512 || KernelRegistry.IsAccelerated(chosen));
        Assert.Equal(KernelPath.Vector512, Gemm.NarrowForWidth(KernelPath.Vector512, 512));
    }
}
