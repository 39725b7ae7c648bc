using CpuLinear.Tests.Kernels;

namespace CpuLinear.Gpu.Tests;

/// <summary>The backend contract written as plainly as possible, one scalar operation at a time.</summary>
internal static class Reference
{
    /// <summary><c>D_t(v) = |v| &lt; t ? ±0 : v</c>.</summary>
    public static float DeadZone(float value, float threshold) =>
        MathF.Abs(value) < threshold ? (float.IsNegative(value) ? -0f : 0f) : value;

    /// <summary>Each output: the engine's GEMM contract (<see cref="ReferenceGemm"/>), then <c>D_out(D_in(acc) + bias)</c>.</summary>
    public static float[] Gemm(int m, int n, int k, float[] a, float[] b, float[]? bias, float inner, float outer)
    {
        float[] c = ReferenceGemm.Multiply(m, n, k, a, b);
        for (int i = 0; i < c.Length; i++)
        {
            float v = DeadZone(c[i], inner);
            if (bias is not null)
            {
                v += bias[i % n];
            }

            c[i] = DeadZone(v, outer);
        }

        return c;
    }

    public static uint[] Bits(ReadOnlySpan<float> values)
    {
        var bits = new uint[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            bits[i] = BitConverter.SingleToUInt32Bits(values[i]);
        }

        return bits;
    }

    /// <summary>Asserts equal bits and names the first differing element in hex.</summary>
    public static void SameBits(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            uint e = BitConverter.SingleToUInt32Bits(expected[i]), a = BitConverter.SingleToUInt32Bits(actual[i]);
            if (e != a)
            {
                Assert.Fail($"{what}: element {i} is 0x{a:X8} ({actual[i]:R}), expected 0x{e:X8} ({expected[i]:R}).");
            }
        }
    }
}
