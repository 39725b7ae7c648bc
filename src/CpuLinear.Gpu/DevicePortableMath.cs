using ILGPU;

namespace CpuLinear.Gpu;

/// <summary>
/// <see cref="Randomness.PortableMath"/> as device functions: the same operations in the same order, each rounded
/// once (<see cref="IDeviceArithmetic"/>), so ln and sin/cos give the host's bits on any accelerator.
/// </summary>
internal static class DevicePortableMath
{
    private const double Ln2 = 0.693147180559945309417232121458;
    private const double HalfPi = 1.57079632679489661923132169164;

    /// <summary>ln(x) for finite x &gt; 0.</summary>
    public static double Log<TMath>(double x)
        where TMath : struct, IDeviceArithmetic
    {
        TMath math = default;
        long bits = (long)Interop.FloatAsInt(x);
        int e = (int)((bits >> 52) & 0x7FF) - 1023;
        bool subnormal = e == -1023;
        if (subnormal)
        {
            // The host recurses on x·2^54 and subtracts 54·ln 2; kernels cannot recurse, so renormalise here instead.
            x = math.Mul(x, 18014398509481984.0);
            bits = (long)Interop.FloatAsInt(x);
            e = (int)((bits >> 52) & 0x7FF) - 1023;
        }

        double m = Interop.IntAsFloat((ulong)((bits & 0x000F_FFFF_FFFF_FFFFL) | 0x3FF0_0000_0000_0000L));
        if (m > 1.41421356237309504880)
        {
            m = math.Mul(m, 0.5);
            e++;
        }

        double s = math.Sub(m, 1) / math.Add(m, 1), s2 = math.Mul(s, s), term = s, sum = 0;
        for (int n = 1; n <= 23; n += 2)
        {
            sum = math.Add(sum, term / n);
            term = math.Mul(term, s2);
        }

        double result = math.Add(math.Mul(e, Ln2), math.Mul(2, sum));
        return subnormal ? math.Sub(result, 54 * Ln2) : result;
    }

    /// <summary>sin and cos of 2π·<paramref name="turns"/> for <paramref name="turns"/> in [0, 1).</summary>
    public static void SinCosTurns<TMath>(double turns, out double sine, out double cosine)
        where TMath : struct, IDeviceArithmetic
    {
        TMath math = default;
        double t = math.Mul(turns, 4);
        int quadrant = (int)t;
        double f = math.Sub(t, quadrant);
        bool swap = f > 0.5;
        double angle = math.Mul(swap ? math.Sub(1, f) : f, HalfPi);
        double a2 = math.Mul(angle, angle), sin = 0, cos = 0, sinTerm = angle, cosTerm = 1;
        for (int n = 0; n < 10; n++)
        {
            sin = math.Add(sin, sinTerm);
            cos = math.Add(cos, cosTerm);
            sinTerm = math.Mul(sinTerm, -a2 / ((2 * n + 2) * (2 * n + 3)));
            cosTerm = math.Mul(cosTerm, -a2 / ((2 * n + 1) * (2 * n + 2)));
        }

        if (swap)
        {
            double swapped = sin;
            sin = cos;
            cos = swapped;
        }

        // The host's quadrant switch, written without tuples.
        if (quadrant == 0)
        {
            sine = sin;
            cosine = cos;
        }
        else if (quadrant == 1)
        {
            sine = cos;
            cosine = -sin;
        }
        else if (quadrant == 2)
        {
            sine = -sin;
            cosine = -cos;
        }
        else
        {
            sine = -cos;
            cosine = sin;
        }
    }

    /// <summary>A kernel for tests: ln of every value.</summary>
    public static void LogKernel<TMath>(Index1D index, ArrayView<double> values, ArrayView<double> logs)
        where TMath : struct, IDeviceArithmetic =>
        logs[index] = Log<TMath>(values[index]);
}
