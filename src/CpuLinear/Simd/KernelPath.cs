namespace CpuLinear.Simd;

/// <summary>
/// The instruction-set paths a CpuLinear kernel can run on, from the narrowest to the widest.
/// Every path computes the same bits (see <c>Kernels.Gemm</c>); they differ only in speed.
/// </summary>
public enum KernelPath
{
    /// <summary>One float at a time through <see cref="MathF.FusedMultiplyAdd"/>.</summary>
    Scalar = 0,

    /// <summary>128-bit vectors: SSE on x86-64, AdvSimd (NEON) on ARM64.</summary>
    Vector128 = 1,

    /// <summary>256-bit vectors: AVX2 with FMA3.</summary>
    Vector256 = 2,

    /// <summary>512-bit vectors: AVX-512F.</summary>
    Vector512 = 3,
}
