using System.Reflection;
using System.Text.RegularExpressions;
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

    /// <summary>The device ES kernels whose float and double operations must each round once, as the host's do.</summary>
    public static TheoryData<string, string> EvolutionKernels() => new()
    {
        { nameof(DeviceNoiseKernels), nameof(DeviceNoiseKernels.DrawPairs) },
        { nameof(DeviceNoiseKernels), nameof(DeviceNoiseKernels.DrawUnits) },
        { nameof(DeviceNoiseKernels), nameof(DeviceNoiseKernels.FillTable) },
        { nameof(DevicePortableMath), nameof(DevicePortableMath.LogKernel) },
        { nameof(DevicePopulationKernels), nameof(DevicePopulationKernels.FirstActivation) },
        { nameof(DevicePopulationKernels), nameof(DevicePopulationKernels.FullRankMembers) },
        { nameof(DevicePopulationKernels), nameof(DevicePopulationKernels.UnitDelta) },
        { nameof(DevicePopulationKernels), nameof(DevicePopulationKernels.FactorWeights) },
        { nameof(DevicePopulationKernels), nameof(DevicePopulationKernels.SecondLayer) },
        { nameof(DeviceUpdateKernels), nameof(DeviceUpdateKernels.LowRankWeights) },
        { nameof(DeviceUpdateKernels), nameof(DeviceUpdateKernels.LowRankBias) },
        { nameof(DeviceUpdateKernels), nameof(DeviceUpdateKernels.FullRank) },
        { nameof(DeviceUpdateKernels), nameof(DeviceUpdateKernels.AddBlock) },
        { nameof(DeviceUpdateKernels), nameof(DeviceUpdateKernels.ScaleRange) },
        { nameof(DeviceUpdateKernels), nameof(DeviceUpdateKernels.Tell) },
        { nameof(DeviceUpdateKernels), nameof(DeviceUpdateKernels.SumOfSquares) },
        { nameof(DeviceUpdateKernels), nameof(DeviceUpdateKernels.Scale) },
    };

    [Theory]
    [MemberData(nameof(EvolutionKernels))]
    public void Cuda_es_kernels_round_every_operation_once(string type, string kernel)
    {
        string ptx = CompileImplicit<PtxDeviceArithmetic>(type, kernel);
        // An add, subtract or multiply without a rounding modifier may be contracted into an FMA by the assembler.
        Assert.DoesNotMatch(UnroundedArithmetic, ptx);
        Assert.DoesNotContain(".ftz", ptx, StringComparison.Ordinal);
        Assert.DoesNotContain(".approx", ptx, StringComparison.Ordinal);
        Assert.DoesNotContain("fma.rn.f64", ptx, StringComparison.Ordinal);
        Assert.DoesNotContain(".extern", ptx, StringComparison.Ordinal);
        Assert.Matches(@"\b(?:add|sub|mul|fma)\.rn\.f(?:32|64)\b", ptx);
    }

    [Fact]
    public void Plain_operators_would_leave_the_assembler_free_to_contract()
    {
        // Why the kernels are generic over the arithmetic: the same Box–Muller with C# operators compiles to bare mul/add.
        string ptx = CompileImplicit<CpuDeviceArithmetic>(nameof(DeviceNoiseKernels), nameof(DeviceNoiseKernels.DrawPairs));
        Assert.Matches(UnroundedArithmetic, ptx);
    }

    private static readonly Regex UnroundedArithmetic = new(@"\b(?:add|sub|mul)\.f(?:32|64)\b|\bmad\.(?:rn\.)?f(?:32|64)\b", RegexOptions.CultureInvariant);

    private static string CompileImplicit<TMath>(string type, string kernel)
        where TMath : struct, IDeviceArithmetic
    {
        MethodInfo method = typeof(IDeviceArithmetic).Assembly.GetType($"CpuLinear.Gpu.{type}", throwOnError: true)!
            .GetMethod(kernel, BindingFlags.Public | BindingFlags.Static)!;
        if (method.IsGenericMethodDefinition)
        {
            method = method.MakeGenericMethod(typeof(TMath));
        }

        using var context = Context.Create(builder => builder.Math(MathMode.Default));
        var backend = new PTXBackend(context, new CudaCapabilityContext(CudaArchitecture.SM_70), CudaArchitecture.SM_70, CudaInstructionSet.ISA_70, null);
        var compiled = (PTXCompiledKernel)backend.Compile(EntryPointDescription.FromImplicitlyGroupedKernel(method), default);
        return compiled.PTXAssembly;
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
