namespace CpuLinear.Numerics;

/// <summary>
/// The implementation <see cref="SoftwareFlush"/> runs. Every path gives the same bits (the operations are
/// element-wise, so vector width cannot change any result); tests pin each one in turn.
/// </summary>
internal enum SoftwareFlushPath
{
    /// <summary>Plain scalar code, the reference the vector paths are read against.</summary>
    Scalar,

    /// <summary>128-bit vectors (SSE, AdvSimd).</summary>
    Vector128,

    /// <summary>256-bit vectors (AVX2).</summary>
    Vector256,

    /// <summary>512-bit vectors (AVX-512).</summary>
    Vector512,
}
