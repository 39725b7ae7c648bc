namespace CpuLinear.Randomness;

/// <summary>
/// Natural logarithm and sine/cosine built from +, −, ×, ÷ and nothing else, so they give the same bits on
/// every OS, runtime and GPU (the platform libm's <see cref="Math.Log(double)"/> may differ in the last ulp
/// between Linux, Windows and macOS). Accurate to about 1e-15 relative: far finer than the float32 values
/// the generators hand out. .NET never contracts a*b+c into a fused multiply-add, so the order written is the
/// order computed.
/// </summary>
internal static class PortableMath
{
    private const double Ln2 = 0.693147180559945309417232121458;
    private const double HalfPi = 1.57079632679489661923132169164;

    /// <summary>ln(x) for finite x &gt; 0.</summary>
    public static double Log(double x)
    {
        // x = m * 2^e with m in [sqrt(1/2), sqrt(2)); ln m = 2 atanh(s), s = (m - 1)/(m + 1), |s| <= 0.1716.
        long bits = BitConverter.DoubleToInt64Bits(x);
        int e = (int)((bits >> 52) & 0x7FF) - 1023;
        double m = BitConverter.Int64BitsToDouble((bits & 0x000F_FFFF_FFFF_FFFFL) | 0x3FF0_0000_0000_0000L);
        if (e == -1023)
        {
            // Subnormal input: renormalise exactly through a power-of-two multiply.
            return Log(x * 18014398509481984.0) - (54 * Ln2);
        }

        if (m > 1.41421356237309504880)
        {
            m *= 0.5;
            e++;
        }

        double s = (m - 1) / (m + 1), s2 = s * s, term = s, sum = 0;
        for (int n = 1; n <= 23; n += 2)
        {
            sum += term / n;
            term *= s2;
        }

        return (e * Ln2) + (2 * sum);
    }

    /// <summary>sin and cos of 2π·<paramref name="turns"/> for <paramref name="turns"/> in [0, 1).</summary>
    public static (double Sin, double Cos) SinCosTurns(double turns)
    {
        // Reduce to a quarter turn, then to at most an eighth, where the Taylor series converge fast.
        double t = turns * 4;
        int quadrant = (int)t;
        double f = t - quadrant;
        bool swap = f > 0.5;
        double angle = (swap ? 1 - f : f) * HalfPi;
        double a2 = angle * angle, sin = 0, cos = 0, sinTerm = angle, cosTerm = 1;
        for (int n = 0; n < 10; n++)
        {
            sin += sinTerm;
            cos += cosTerm;
            sinTerm *= -a2 / ((2 * n + 2) * (2 * n + 3));
            cosTerm *= -a2 / ((2 * n + 1) * (2 * n + 2));
        }

        if (swap)
        {
            (sin, cos) = (cos, sin);
        }

        return quadrant switch
        {
            0 => (sin, cos),
            1 => (cos, -sin),
            2 => (-sin, -cos),
            _ => (-cos, sin),
        };
    }
}
