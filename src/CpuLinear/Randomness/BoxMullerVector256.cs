using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CpuLinear.Randomness;

/// <summary>
/// <see cref="PortableMath.Log"/>, <see cref="PortableMath.SinCosTurns"/> and the Box–Muller step of
/// <see cref="CounterRandom"/> for four Philox blocks at once, in <see cref="Vector256{T}"/> of double.
/// </summary>
/// <remarks>
/// Every lane performs the scalar code's operations in the scalar code's order (IEEE double +, −, ×, ÷ and √ are
/// correctly rounded, so a lane's result equals the scalar one bit for bit); the scalar branches become selects.
/// Drawing an ES generation's noise spends most of its time in these two series, so four lanes cut that share
/// by about four where 256-bit vectors are native. Callers use it only when
/// <see cref="Vector256.IsHardwareAccelerated"/>; elsewhere the scalar code runs.
/// </remarks>
internal static class BoxMullerVector256
{
    private const double Ln2 = 0.693147180559945309417232121458;
    private const double HalfPi = 1.57079632679489661923132169164;
    private const double TwoPow52 = 4503599627370496.0;

    /// <summary>ln(x) lane by lane, for normal x &gt; 0 (the scalar code's subnormal branch is not taken for such x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Log(Vector256<double> x)
    {
        Vector256<long> bits = x.AsInt64();
        // The biased exponent as a double, exactly: its 11 bits placed in the mantissa of 2^52, minus 2^52.
        Vector256<long> biased = Vector256.ShiftRightLogical(bits, 52) & Vector256.Create(0x7FFL);
        Vector256<double> e = (biased | Vector256.Create(0x4330_0000_0000_0000L)).AsDouble() - Vector256.Create(TwoPow52 + 1023);
        Vector256<double> m = ((bits & Vector256.Create(0x000F_FFFF_FFFF_FFFFL)) | Vector256.Create(0x3FF0_0000_0000_0000L)).AsDouble();
        Vector256<double> high = Vector256.GreaterThan(m, Vector256.Create(1.41421356237309504880));
        m = Vector256.ConditionalSelect(high, m * Vector256.Create(0.5), m);
        e = Vector256.ConditionalSelect(high, e + Vector256<double>.One, e);

        Vector256<double> one = Vector256<double>.One;
        Vector256<double> s = (m - one) / (m + one), s2 = s * s, term = s, sum = Vector256<double>.Zero;
        for (int n = 1; n <= 23; n += 2)
        {
            sum += term / Vector256.Create((double)n);
            term *= s2;
        }

        return (e * Vector256.Create(Ln2)) + (Vector256.Create(2.0) * sum);
    }

    /// <summary>sin and cos of 2π·turns lane by lane, for turns in [0, 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<double> Sin, Vector256<double> Cos) SinCosTurns(Vector256<double> turns)
    {
        Vector256<double> t = turns * Vector256.Create(4.0);
        // t >= 0, so the scalar (int) truncation is the floor.
        Vector256<double> quadrant = Vector256.Floor(t);
        Vector256<double> f = t - quadrant;
        Vector256<double> swap = Vector256.GreaterThan(f, Vector256.Create(0.5));
        Vector256<double> angle = Vector256.ConditionalSelect(swap, Vector256<double>.One - f, f) * Vector256.Create(HalfPi);
        Vector256<double> a2 = angle * angle, negA2 = -a2;
        Vector256<double> sin = Vector256<double>.Zero, cos = Vector256<double>.Zero, sinTerm = angle, cosTerm = Vector256<double>.One;
        for (int n = 0; n < 10; n++)
        {
            sin += sinTerm;
            cos += cosTerm;
            sinTerm *= negA2 / Vector256.Create((double)(((2 * n) + 2) * ((2 * n) + 3)));
            cosTerm *= negA2 / Vector256.Create((double)(((2 * n) + 1) * ((2 * n) + 2)));
        }

        (sin, cos) = (Vector256.ConditionalSelect(swap, cos, sin), Vector256.ConditionalSelect(swap, sin, cos));

        // Quadrants 0..3: (sin, cos), (cos, −sin), (−sin, −cos), (−cos, sin).
        Vector256<double> q1 = Vector256.Equals(quadrant, Vector256<double>.One);
        Vector256<double> q2 = Vector256.Equals(quadrant, Vector256.Create(2.0));
        Vector256<double> q3 = Vector256.Equals(quadrant, Vector256.Create(3.0));
        Vector256<double> outSin = Vector256.ConditionalSelect(q1, cos, Vector256.ConditionalSelect(q2, -sin, Vector256.ConditionalSelect(q3, -cos, sin)));
        Vector256<double> outCos = Vector256.ConditionalSelect(q1, -sin, Vector256.ConditionalSelect(q2, -cos, Vector256.ConditionalSelect(q3, sin, cos)));
        return (outSin, outCos);
    }

    /// <summary>
    /// Normals 2j and 2j + 1 for blocks <paramref name="firstBlock"/> .. + 3 of <paramref name="random"/>, scaled by
    /// <paramref name="standardDeviation"/>, into <paramref name="destination"/>[0..8) (cos, sin per block).
    /// </summary>
    public static void FillEight(CounterRandom random, long firstBlock, float standardDeviation, Span<float> destination)
    {
        Span<double> u1 = stackalloc double[4], u2 = stackalloc double[4];
        for (int b = 0; b < 4; b++)
        {
            (u1[b], u2[b]) = CounterRandom.Uniforms(random.Key, random.Stream, firstBlock + b);
        }

        Vector256<double> radius = Vector256.Sqrt(Vector256.Create(-2.0) * Log(Vector256.Create((ReadOnlySpan<double>)u1)));
        (Vector256<double> sin, Vector256<double> cos) = SinCosTurns(Vector256.Create((ReadOnlySpan<double>)u2));
        Vector256<double> c = radius * cos, s = radius * sin;
        for (int b = 0; b < 4; b++)
        {
            destination[2 * b] = (float)c.GetElement(b) * standardDeviation;
            destination[(2 * b) + 1] = (float)s.GetElement(b) * standardDeviation;
        }
    }
}
