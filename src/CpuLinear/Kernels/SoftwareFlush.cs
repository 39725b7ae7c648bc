using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

using CpuLinear.Simd;

namespace CpuLinear.Kernels;

/// <summary>
/// Flush-to-zero and denormals-are-zero done in managed code by compare and select, bit-identical to what
/// x86 MXCSR FTZ+DAZ (and ARM64 FPCR.FZ) produce for the same operations, on a thread in any float mode.
/// </summary>
/// <remarks>
/// <para>
/// A value is flushed when its magnitude is below <c>2^-126</c> (a subnormal); it becomes a zero of the same
/// sign, as the hardware does (a negative subnormal becomes <c>-0.0</c>, bits <c>0x80000000</c>). Zeros,
/// normals, infinities and NaNs pass through unchanged.
/// </para>
/// <para>
/// Why flushing the rounded result is exact for these operations. x86 detects tininess after rounding (to 24
/// bits, exponent unbounded), ARM64 before rounding; both decide on the exact result when the exact result
/// needs no rounding to 24 bits:
/// <list type="bullet">
/// <item><b>Add</b>: after DAZ both inputs are zero or multiples of <c>2^-149</c>, so the exact sum is one too;
/// if its magnitude is below <c>2^-126</c> it has at most 23 significant bits and is representable, so no
/// rounding happens at all and "tiny before rounding", "tiny after rounding" and "the IEEE result is subnormal"
/// coincide. A sum that is not tiny cannot round down below <c>2^-126</c> (rounding is monotonic and
/// <c>2^-126</c> is a float).</item>
/// <item><b>Power-of-two scaling</b>: the exact product has the input's 24-bit significand, so it is tiny
/// exactly when <c>|x| &lt; 2^(-126-e)</c>. Here the IEEE result is <i>not</i> a safe test: gradual underflow
/// can round an exact <c>(2 - 2^-23)·2^-127</c> up to <c>2^-126</c>, which the hardware flushes to zero (it is
/// tiny before and after 24-bit rounding). So scaling compares the input against <c>2^(-126-e)</c> instead of
/// flushing the product.</item>
/// </list>
/// </para>
/// <para>
/// Spans: <c>dst</c> may be the input span itself (in place) but must not partially overlap an input.
/// </para>
/// </remarks>
public static partial class SoftwareFlush
{
    private const uint SignMask = 0x8000_0000;
    private const uint MagnitudeMask = 0x7FFF_FFFF;
    private const uint ExponentMask = 0x7F80_0000;

    /// <summary>Bits of <c>2^-126</c>, the smallest normal float.</summary>
    private const uint SmallestNormalBits = 0x0080_0000;

    /// <summary><c>2^-126</c>: below it a value is subnormal, which FTZ and DAZ turn into a signed zero.</summary>
    private const float SmallestNormal = 1.17549435E-38f;

    /// <summary>Smallest exponent accepted by <see cref="ScaleByPowerOfTwo(ReadOnlySpan{float}, int, Span{float})"/>:
    /// <c>2^-126</c> is the smallest normal factor (a subnormal factor would itself be flushed by DAZ).</summary>
    public const int MinScaleExponent = -126;

    /// <summary>Largest exponent accepted: <c>2^127</c> is the largest power of two that is a float.</summary>
    public const int MaxScaleExponent = 127;

    /// <summary>
    /// The widest path this CPU accelerates, FMA or not (compare-and-select needs none), chosen once
    /// (<see cref="KernelRegistry.WidestVector"/>).
    /// </summary>
    internal static readonly KernelPath BestPath = KernelRegistry.WidestVector;

    /// <summary>The name of the path the public methods use on this machine (Vector512, Vector256, Vector128 or Scalar).</summary>
    public static string PathName => BestPath.ToString();

    /// <summary>Writes <paramref name="x"/> to <paramref name="dst"/> with every subnormal replaced by a zero of its sign.</summary>
    /// <exception cref="ArgumentException">The spans differ in length or partially overlap.</exception>
    public static void Flush(ReadOnlySpan<float> x, Span<float> dst) => Flush(x, dst, BestPath);

    /// <summary>
    /// <c>dst = x + y</c> as under FTZ+DAZ: subnormal inputs read as signed zero, a subnormal sum written as
    /// signed zero. NaN and infinity follow IEEE.
    /// </summary>
    /// <exception cref="ArgumentException">The spans differ in length or partially overlap.</exception>
    public static void Add(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> dst) => Add(x, y, dst, BestPath);

    /// <summary>
    /// <c>dst = x · 2^exponent</c> as under FTZ+DAZ (the network's <c>/s</c> and <c>·s</c>): subnormal inputs
    /// read as signed zero, a product whose exact value is below <c>2^-126</c> written as signed zero, overflow
    /// to infinity, NaN passed through.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="exponent"/> is outside
    /// [<see cref="MinScaleExponent"/>, <see cref="MaxScaleExponent"/>].</exception>
    /// <exception cref="ArgumentException">The spans differ in length or partially overlap.</exception>
    public static void ScaleByPowerOfTwo(ReadOnlySpan<float> x, int exponent, Span<float> dst) =>
        ScaleByPowerOfTwo(x, exponent, dst, BestPath);

    /// <summary>
    /// Adds <paramref name="bias"/> to every row of the row-major <paramref name="matrix"/> in place, as under
    /// FTZ+DAZ (see <see cref="Add(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="bias"/> is not <paramref name="columns"/> long, or the
    /// matrix length is not a multiple of <paramref name="columns"/>.</exception>
    public static void AddBiasRows(Span<float> matrix, int columns, ReadOnlySpan<float> bias) =>
        AddBiasRows(matrix, columns, bias, BestPath);

    internal static void Flush(ReadOnlySpan<float> x, Span<float> dst, KernelPath path)
    {
        CheckDestination(x, dst);
        x.CopyTo(dst);
        DeadZone.Apply(dst, SmallestNormal, path);
    }

    internal static void Add(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> dst, KernelPath path)
    {
        CheckDestination(x, dst);
        CheckDestination(y, dst);
        DeadZone.Add(x, y, dst, SmallestNormal, SmallestNormal, SmallestNormal, path);
    }

    internal static void ScaleByPowerOfTwo(ReadOnlySpan<float> x, int exponent, Span<float> dst, KernelPath path)
    {
        CheckExponent(exponent);
        CheckDestination(x, dst);
        // With DAZ a subnormal input is zero, so inputs below 2^-126 are flushed whatever the exponent.
        float threshold = BitConverter.UInt32BitsToSingle(Math.Max(TinyProductThresholdBits(exponent), SmallestNormalBits));
        DeadZone.Scale(x, PowerOfTwo(exponent), threshold, dst, path);
    }

    internal static void AddBiasRows(Span<float> matrix, int columns, ReadOnlySpan<float> bias, KernelPath path)
    {
        if (columns < 0 || bias.Length != columns)
        {
            ThrowArgument(nameof(bias), $"The bias has {bias.Length} elements; the matrix has {columns} columns.");
        }

        if (columns == 0 ? matrix.Length != 0 : matrix.Length % columns != 0)
        {
            ThrowArgument(nameof(matrix), $"The matrix length {matrix.Length} is not a multiple of {columns} columns.");
        }

        // Row by row through the in-place add: each element is one flushed sum, so the row split cannot matter.
        for (int start = 0; start < matrix.Length; start += columns)
        {
            Span<float> row = matrix.Slice(start, columns);
            Add(row, bias, row, path);
        }
    }

    /// <summary>
    /// Bits of the smallest |x| whose exact product with <c>2^exponent</c> is not tiny: <c>2^(-126-exponent)</c>
    /// when that is a normal float, its subnormal bit pattern below that, 0 when even <c>2^-149</c> scales to a
    /// normal. Because non-negative floats order like their bit patterns, <c>|x| &lt; t</c> is an integer compare.
    /// </summary>
    internal static uint TinyProductThresholdBits(int exponent)
    {
        int k = -126 - exponent;
        return k >= -126 ? (uint)(k + 127) << 23
            : k >= -149 ? 1u << (k + 149)
            : 0u;
    }

    /// <summary><c>2^exponent</c> for an exponent whose power is a normal float.</summary>
    internal static float PowerOfTwo(int exponent) =>
        BitConverter.UInt32BitsToSingle((uint)(exponent + 127) << 23);

    private static void CheckExponent(int exponent)
    {
        if (exponent is < MinScaleExponent or > MaxScaleExponent)
        {
            ThrowExponent(exponent);
        }
    }

    private static void CheckDestination(ReadOnlySpan<float> source, Span<float> dst)
    {
        if (source.Length != dst.Length)
        {
            ThrowArgument(nameof(dst), $"The destination has {dst.Length} elements; the source has {source.Length}.");
        }

        // In place is fine (each element is read before it is written); a shifted overlap is not.
        if (source.Overlaps(dst, out int offset) && offset != 0)
        {
            ThrowArgument(nameof(dst), "The destination partially overlaps a source.");
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowArgument(string name, string message) => throw new ArgumentException(message, name);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowExponent(int exponent) =>
        throw new ArgumentOutOfRangeException(nameof(exponent), exponent,
            $"The factor 2^exponent must be a normal float: exponent in [{MinScaleExponent}, {MaxScaleExponent}].");
}
