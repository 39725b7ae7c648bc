namespace CpuLinear.Numerics;

public static partial class SoftwareFlush
{
    /// <summary>
    /// One value flushed: the sign bit kept, every other bit cleared when the exponent field is zero (a
    /// subnormal, or a zero, which this leaves as it is).
    /// </summary>
    internal static float FlushOne(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        return (bits & ExponentMask) == 0 ? BitConverter.UInt32BitsToSingle(bits & SignMask) : value;
    }

    /// <summary>
    /// <c>x + y</c> with DAZ and FTZ chosen separately, for the demo's single-bit modes. Assumes the calling
    /// thread is in IEEE mode (with hardware DAZ set, <paramref name="flushInputs"/> false could not be honoured).
    /// Flushing the rounded sum is exact: see the class remarks.
    /// </summary>
    internal static float AddOne(float x, float y, bool flushInputs, bool flushOutput)
    {
        if (flushInputs)
        {
            x = FlushOne(x);
            y = FlushOne(y);
        }

        float sum = x + y;
        return flushOutput ? FlushOne(sum) : sum;
    }

    /// <summary>
    /// <c>x · 2^exponent</c> with DAZ and FTZ chosen separately (same IEEE-thread assumption as
    /// <see cref="AddOne"/>). The flush tests the input against the exact-product threshold, not the product.
    /// </summary>
    internal static float ScaleOne(float x, int exponent, bool flushInputs, bool flushOutput)
    {
        CheckExponent(exponent);
        if (flushInputs)
        {
            x = FlushOne(x);
        }

        uint bits = BitConverter.SingleToUInt32Bits(x);
        if (flushOutput && (bits & MagnitudeMask) < TinyProductThresholdBits(exponent))
        {
            return BitConverter.UInt32BitsToSingle(bits & SignMask);
        }

        return x * PowerOfTwo(exponent);
    }

    private static void FlushScalar(ReadOnlySpan<float> x, Span<float> dst)
    {
        for (int i = 0; i < x.Length; i++)
        {
            dst[i] = FlushOne(x[i]);
        }
    }

    private static void AddScalar(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> dst)
    {
        for (int i = 0; i < x.Length; i++)
        {
            // Flushed inputs make the sum exact when tiny, so flushing the rounded sum is exact (class remarks).
            dst[i] = FlushOne(FlushOne(x[i]) + FlushOne(y[i]));
        }
    }

    private static void ScaleScalar(ReadOnlySpan<float> x, float factor, int threshold, Span<float> dst)
    {
        for (int i = 0; i < x.Length; i++)
        {
            uint bits = BitConverter.SingleToUInt32Bits(x[i]);
            // Below the threshold the input is subnormal (DAZ) or its exact product is tiny (FTZ): signed zero.
            dst[i] = (int)(bits & MagnitudeMask) < threshold
                ? BitConverter.UInt32BitsToSingle(bits & SignMask)
                : x[i] * factor;
        }
    }
}
