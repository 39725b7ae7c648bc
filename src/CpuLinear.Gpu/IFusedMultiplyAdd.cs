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
}

/// <summary>The CPU accelerator's FMA: the runtime's <see cref="MathF.FusedMultiplyAdd"/> (hardware FMA, or an exact software fallback).</summary>
internal readonly struct CpuFusedMultiplyAdd : IFusedMultiplyAdd
{
    public float Apply(float a, float b, float c) => MathF.FusedMultiplyAdd(a, b, c);
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
}
