using CpuLinear.Gpu;
using ILGPU;
using ILGPU.Backends;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime.Cuda;

namespace CpuLinear.Gpu.Tests;

/// <summary>
/// What the CUDA path would run, checked without a GPU: ILGPU's PTX backend compiles the real kernels and the
/// PTX text is inspected. The GEMM must use a single-rounding <c>fma.rn.f32</c> with no <c>.ftz</c> anywhere
/// and no separate float multiply the assembler could contract differently.
/// </summary>
public sealed class PtxCodeGenerationTests
{
    private static string CompileGemm<TFma>()
        where TFma : struct, IFusedMultiplyAdd
    {
        using var context = Context.Create(builder => builder.Math(MathMode.Default));
        var backend = new PTXBackend(context, new CudaCapabilityContext(CudaArchitecture.SM_70), CudaArchitecture.SM_70, CudaInstructionSet.ISA_70, null);
        var kernel = (PTXCompiledKernel)backend.Compile(
            EntryPointDescription.FromExplicitlyGroupedKernel(typeof(DeviceKernels).GetMethod(nameof(DeviceKernels.Gemm))!.MakeGenericMethod(typeof(TFma))),
            default);
        return kernel.PTXAssembly;
    }

    [Fact]
    public void Cuda_gemm_uses_fused_multiply_add_without_flush_to_zero()
    {
        string ptx = CompileGemm<PtxFusedMultiplyAdd>();
        Assert.Contains("fma.rn.f32", ptx, StringComparison.Ordinal);
        Assert.DoesNotContain(".ftz", ptx, StringComparison.Ordinal);
        Assert.DoesNotContain("mul.f32", ptx, StringComparison.Ordinal);
        Assert.DoesNotContain("mul.rn.f32", ptx, StringComparison.Ordinal);
        Assert.DoesNotContain(".extern", ptx, StringComparison.Ordinal);
    }

    [Fact]
    public void The_runtime_fma_is_not_resolved_by_ilgpus_ptx_backend()
    {
        // Why the kernels are generic over the FMA: MathF.FusedMultiplyAdd (fused on the CPU accelerator) becomes
        // an unresolved external function in PTX, which a CUDA driver would refuse to link.
        string ptx = CompileGemm<CpuFusedMultiplyAdd>();
        Assert.Contains(".extern .func", ptx, StringComparison.Ordinal);
        Assert.DoesNotContain("fma.rn.f32", ptx, StringComparison.Ordinal);
    }
}
