using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CpuLinear.Simd;

/// <summary>
/// A correctly rounded float32 <c>a·b + c</c> for x86 CPUs without the FMA instruction set (or with it
/// disabled by <c>DOTNET_EnableAVX2=0</c>), where the runtime's own fallback calls a scalar libm routine per
/// element and is far slower. Kernels must fuse on every path, or the bits would depend on the CPU.
/// </summary>
/// <remarks>
/// The float product is exact in double (24 + 24 significant bits ≤ 53). The double sum <c>s = p + c</c> is
/// then rounded to odd: TwoSum recovers the exact error <c>e</c>, and where <c>e ≠ 0</c> and <c>s</c> is even,
/// <c>s</c> moves one ulp towards the exact value. Rounding a round-to-odd value with at least two extra bits
/// (53 ≥ 24 + 2) to float gives the correctly rounded result (Boldo and Melquiond, "Emulation of FMA and
/// correctly rounded sums: proved algorithms using rounding to odd", IEEE TC 2008). Infinities and NaN fall
/// through unchanged; signed zeros follow IEEE addition exactly as a hardware FMA does.
/// </remarks>
internal static class ExactFusedMultiplyAdd
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Scalar(float a, float b, float c)
    {
        double p = (double)a * b;
        double s = p + c;
        double v = s - p;
        double e = (p - (s - v)) + (c - v);
        if (e != 0 && double.IsFinite(s))
        {
            long bits = BitConverter.DoubleToInt64Bits(s);
            if ((bits & 1) == 0)
            {
                s = BitConverter.Int64BitsToDouble(bits + ((e > 0) == (s > 0) ? 1 : -1));
            }
        }

        return (float)s;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Vector(Vector128<float> a, Vector128<float> b, Vector128<float> c)
    {
        (Vector128<double> aLow, Vector128<double> aHigh) = Vector128.Widen(a);
        (Vector128<double> bLow, Vector128<double> bHigh) = Vector128.Widen(b);
        (Vector128<double> cLow, Vector128<double> cHigh) = Vector128.Widen(c);
        return Vector128.Narrow(RoundToOdd(aLow * bLow, cLow), RoundToOdd(aHigh * bHigh, cHigh));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<double> RoundToOdd(Vector128<double> p, Vector128<double> c)
    {
        Vector128<double> s = p + c;
        Vector128<double> v = s - p;
        Vector128<double> e = (p - (s - v)) + (c - v);
        Vector128<long> bits = s.AsInt64();
        Vector128<long> even = Vector128.Equals(bits & Vector128<long>.One, Vector128<long>.Zero);
        Vector128<long> inexact = (~Vector128.Equals(e, Vector128<double>.Zero)).AsInt64();
        // |s| < infinity also rules out NaN (a NaN compares false).
        Vector128<long> finite = Vector128.LessThan(Vector128.Abs(s), Vector128.Create(double.PositiveInfinity)).AsInt64();
        // +1 moves away from zero (towards the exact value when e has the sign of s), -1 towards zero.
        // Compared as integer masks: an all-ones mask read as a double is a NaN, which equals nothing.
        Vector128<long> sameSign = ~(Vector128.GreaterThan(e, Vector128<double>.Zero).AsInt64() ^ Vector128.GreaterThan(s, Vector128<double>.Zero).AsInt64());
        Vector128<long> step = Vector128.ConditionalSelect(sameSign, Vector128<long>.One, Vector128<long>.AllBitsSet);
        return (bits + (step & even & inexact & finite)).AsDouble();
    }
}
