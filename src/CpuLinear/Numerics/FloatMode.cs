namespace CpuLinear.Numerics;

/// <summary>
/// The flush-to-zero behaviour of float32 arithmetic on a thread, named after the x86 MXCSR bits.
/// </summary>
/// <remarks>
/// Subnormal numbers are the floats with magnitude below <c>2^-126</c> (and above zero).
/// <see cref="FlushToZero"/> replaces a tiny result by a zero of the same sign;
/// <see cref="DenormalsAreZero"/> reads a subnormal input as a zero of the same sign.
/// ARM64 has a single bit (FPCR.FZ) that does both, so only <see cref="Ieee"/> and
/// <see cref="FlushToZeroAndDenormalsAreZero"/> exist there (see <see cref="FloatEnvironment.Supports"/>).
/// </remarks>
public enum FloatMode
{
    /// <summary>IEEE 754 gradual underflow: subnormals are produced and consumed.</summary>
    Ieee = 0,

    /// <summary>Tiny results are flushed to signed zero (x86 MXCSR.FTZ, bit 15); subnormal inputs are used as they are.</summary>
    FlushToZero = 1,

    /// <summary>Subnormal inputs are read as signed zero (x86 MXCSR.DAZ, bit 6); tiny results are still produced.</summary>
    DenormalsAreZero = 2,

    /// <summary>Both: no subnormal is ever consumed or produced (x86 FTZ+DAZ, ARM64 FPCR.FZ).</summary>
    FlushToZeroAndDenormalsAreZero = 3,
}
