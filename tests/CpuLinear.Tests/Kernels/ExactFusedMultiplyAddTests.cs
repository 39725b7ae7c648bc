using System.Runtime.Intrinsics;
using CpuLinear.Kernels;
using CpuLinear.Simd;

namespace CpuLinear.Tests.Kernels;

/// <summary>The no-FMA-hardware emulation against the runtime's fused multiply-add, bit for bit.</summary>
public class ExactFusedMultiplyAddTests
{
    [Fact]
    public void MatchesTheRuntimeOnHardCases()
    {
        ulong state = 12345;
        int inexactCancellations = 0;
        for (int i = 0; i < 400_000; i++)
        {
            (float a, float b, float c) = Triple(ref state, i);
            float expected = MathF.FusedMultiplyAdd(a, b, c);
            float scalar = ExactFusedMultiplyAdd.Scalar(a, b, c);
            float vector = ExactFusedMultiplyAdd.Vector(Vector128.Create(a), Vector128.Create(b), Vector128.Create(c)).GetElement(i & 3);
            if (BitConverter.SingleToUInt32Bits(expected) != BitConverter.SingleToUInt32Bits(scalar)
                || BitConverter.SingleToUInt32Bits(expected) != BitConverter.SingleToUInt32Bits(vector))
            {
                Assert.Fail($"fma({a:R}, {b:R}, {c:R}) = 0x{BitConverter.SingleToUInt32Bits(expected):X8}; scalar emulation 0x{BitConverter.SingleToUInt32Bits(scalar):X8}, vector 0x{BitConverter.SingleToUInt32Bits(vector):X8}");
            }

            // Count cases where rounding the product first would have changed the answer: the test exercises them.
            inexactCancellations += (a * b) + c != expected ? 1 : 0;
        }

        Assert.True(inexactCancellations > 10_000, $"only {inexactCancellations} cases distinguish fused from unfused");
    }

    [Theory]
    [InlineData(float.PositiveInfinity, 1f, 1f)]
    [InlineData(float.PositiveInfinity, 0f, 1f)]
    [InlineData(float.NaN, 1f, 1f)]
    [InlineData(1e30f, 1e30f, -1e30f)]
    [InlineData(-0f, 1f, -0f)]
    [InlineData(0f, -1f, 0f)]
    [InlineData(1.4e-45f, 0.5f, 0f)]
    [InlineData(1e-20f, 1e-20f, -1.17549435E-38f)]
    public void SpecialValuesFollowIeee(float a, float b, float c)
    {
        float expected = MathF.FusedMultiplyAdd(a, b, c);
        Assert.Equal(BitConverter.SingleToUInt32Bits(expected), BitConverter.SingleToUInt32Bits(ExactFusedMultiplyAdd.Scalar(a, b, c)));
        Assert.Equal(BitConverter.SingleToUInt32Bits(expected), BitConverter.SingleToUInt32Bits(ExactFusedMultiplyAdd.Vector(Vector128.Create(a), Vector128.Create(b), Vector128.Create(c)).GetElement(2)));
    }

    private static (float A, float B, float C) Triple(ref ulong state, int i)
    {
        float a = Random(ref state), b = Random(ref state);
        float product = a * b;
        ulong r = TestData.SplitMix64(ref state);
        float c = (i % 4) switch
        {
            // Cancels the rounded product up to a few ulps: the exact product's tail decides the result.
            0 => -product + (MathF.BitIncrement(product) - product) * ((int)(r % 7) - 3),
            1 => -product,
            // Halfway-sensitive: c a power of two far above the product.
            2 => MathF.ScaleB(1f, (int)(r % 40) - 20),
            _ => Random(ref state),
        };
        return (a, b, c);
    }

    private static float Random(ref ulong state)
    {
        ulong r = TestData.SplitMix64(ref state);
        float mantissa = 1f + ((r >> 40) / (float)(1 << 24));
        int exponent = (int)((r >> 8) % 300) - 150;
        float value = MathF.ScaleB(mantissa, Math.Clamp(exponent, -149, 127));
        return (r & 1) == 0 ? value : -value;
    }
}
