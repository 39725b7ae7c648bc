namespace CpuLinear.Kernels;

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
}
