using ILGPU.Runtime.Cuda;

namespace CpuLinear.Gpu;

/// <summary>
/// One correctly rounded <c>a·b + c</c> inside a device kernel. Kernels are generic over it because ILGPU 1.5
/// has no single FMA that is fused on every accelerator: <see cref="MathF.FusedMultiplyAdd"/> is fused on the
/// CPU accelerator (which runs the kernel's .NET code) but the PTX backend leaves it an unresolved external
/// call, and <c>LibDevice.FusedMultiplyAdd</c> needs NVVM on CUDA and is <em>not</em> fused on the CPU
/// accelerator (it returns the separately rounded result). So each accelerator gets the struct that fuses there.
/// </summary>
internal interface IFusedMultiplyAdd
{
    /// <summary>Returns <c>a·b + c</c> rounded once, subnormals kept (no flush-to-zero).</summary>
    float Apply(float a, float b, float c);

    /// <summary>
    /// Four links of an FMA chain, <c>Apply(a3, b3, Apply(a2, b2, Apply(a1, b1, Apply(a0, b0, c))))</c>: the same
    /// roundings in the same order, written as one call so a device can keep the chain in registers.
    /// </summary>
    float Chain4(float c, float a0, float b0, float a1, float b1, float a2, float b2, float a3, float b3);
}

/// <summary>The CPU accelerator's FMA: the runtime's <see cref="MathF.FusedMultiplyAdd"/> (hardware FMA, or an exact software fallback).</summary>
internal readonly struct CpuFusedMultiplyAdd : IFusedMultiplyAdd
{
    public float Apply(float a, float b, float c) => MathF.FusedMultiplyAdd(a, b, c);

    public float Chain4(float c, float a0, float b0, float a1, float b1, float a2, float b2, float a3, float b3) =>
        MathF.FusedMultiplyAdd(a3, b3, MathF.FusedMultiplyAdd(a2, b2, MathF.FusedMultiplyAdd(a1, b1, MathF.FusedMultiplyAdd(a0, b0, c))));
}

/// <summary>
/// CUDA's FMA written as PTX: <c>fma.rn.f32</c> rounds once to nearest-even and, without <c>.ftz</c>, keeps
/// subnormal inputs and results, exactly as the CPU engine's FMA does under IEEE rules.
/// </summary>
internal readonly struct PtxFusedMultiplyAdd : IFusedMultiplyAdd
{
    public float Apply(float a, float b, float c)
    {
        CudaAsm.Emit("fma.rn.f32 %0, %1, %2, %3;", out float result, a, b, c);
        return result;
    }

    // ILGPU 1.5 passes an inline-asm output through a local-memory slot (a store and a load per statement), so
    // one statement per FMA made the GEMM load/store-bound. Four chained FMAs share one slot; %0 is written by the
    // first and read by the next three, so the order and roundings are exactly those of four Apply calls.
    public float Chain4(float c, float a0, float b0, float a1, float b1, float a2, float b2, float a3, float b3)
    {
        CudaAsm.Emit(
            "fma.rn.f32 %0, %2, %3, %1; fma.rn.f32 %0, %4, %5, %0; fma.rn.f32 %0, %6, %7, %0; fma.rn.f32 %0, %8, %9, %0;",
            out float result, c, a0, b0, a1, b1, a2, b2, a3, b3);
        return result;
    }
}
