using System.Runtime.CompilerServices;

namespace CpuLinear.Kernels;

/// <summary>
/// Zeroed floats whose first element starts a 64-byte cache line (one 512-bit vector), in a pinned managed array.
/// </summary>
/// <remarks>
/// A managed array's elements are only 8-byte aligned, so every 512-bit load or store into one of its rows can straddle
/// two cache lines and cost two accesses. Rows whose width is a multiple of 16 floats that start in this buffer stay on
/// whole lines. The array is allocated on the pinned heap, so the alignment holds for its life.
/// </remarks>
internal sealed class AlignedFloats
{
    private const int LineFloats = 16;

    /// <summary>An empty buffer.</summary>
    public static AlignedFloats Empty { get; } = new(0);

    /// <summary>Allocates <paramref name="length"/> zeroed floats on a 64-byte boundary.</summary>
    public unsafe AlignedFloats(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Array = GC.AllocateArray<float>(length + LineFloats - 1, pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref Array[0]);
        Offset = (int)((64 - (address & 63)) & 63) / sizeof(float);
        Length = length;
    }

    /// <summary>The pinned array the floats live in, from <see cref="Offset"/>.</summary>
    public float[] Array { get; }

    /// <summary>The index of the first (aligned) float in <see cref="Array"/>.</summary>
    public int Offset { get; }

    /// <summary>The floats asked for.</summary>
    public int Length { get; }

    /// <summary>All <see cref="Length"/> floats.</summary>
    public Span<float> Span => Array.AsSpan(Offset, Length);

    /// <summary>Floats [<paramref name="start"/>, start + <paramref name="length"/>).</summary>
    public Span<float> AsSpan(int start, int length) => Span.Slice(start, length);
}
