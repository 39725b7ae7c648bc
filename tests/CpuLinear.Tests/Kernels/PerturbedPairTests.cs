using CpuLinear.Kernels;
using CpuLinear.Simd;

namespace CpuLinear.Tests.Kernels;

public sealed class PerturbedPairTests
{
    public static TheoryData<KernelPath> AllPaths => GemmBitIdentityTests.AllPaths;

    [Theory]
    [MemberData(nameof(AllPaths))]
    public void A_pair_and_its_share_of_the_estimate_have_the_bits_of_the_written_out_float_sequence(KernelPath path)
    {
        // 300 units: whole vectors on every path and a tail; 10: a tail only on the wide paths. Eligibility has zeros
        // (s = δ·0 is ±0), products near the dead zones' edges so both flushes are hit, and a bias.
        const float sigma = 0.05f, inner = 0.5f, outer = 0.5f;
        foreach (int width in new[] { 300, 10, 37 })
        {
            var random = new Random(width);
            float[] product = [.. Enumerable.Range(0, width).Select(_ => (float)((random.NextDouble() * 2.4) - 1.2))];
            float[] bias = [.. Enumerable.Range(0, width).Select(_ => random.Next(3) == 0 ? 0f : (float)((random.NextDouble() * 0.6) - 0.3))];
            float[] eligible = [.. Enumerable.Range(0, width).Select(_ => random.Next(4) == 0 ? 0f : 1f)];
            uint[] signs = [.. Enumerable.Range(0, PerturbedPair.Words(width)).Select(_ => (uint)random.NextInt64(0, 1L << 32))];
            float[] plus = new float[width], minus = new float[width], estimate = new float[width], expectedEstimate = new float[width];
            for (int i = 0; i < width; i++)
            {
                estimate[i] = expectedEstimate[i] = (float)(random.NextDouble() - 0.5);
            }

            PerturbedPair.Build(product, bias, eligible, signs, sigma, inner, outer, plus, minus, path);
            const float c = -0.3125f;
            PerturbedPair.Accumulate(signs, eligible, c, estimate, path);
            int zeros = 0, flushed = 0;
            for (int i = 0; i < width; i++)
            {
                float delta = ((signs[i / 32] >> (i % 32)) & 1u) == 1u ? -1f : 1f;
                float s = delta * eligible[i];
                float expectedPlus = Flush(Flush(product[i] + (s * sigma), inner) + Flush(bias[i], 0f), outer);
                float expectedMinus = Flush(Flush(product[i] + (s * -sigma), inner) + Flush(bias[i], 0f), outer);
                expectedEstimate[i] = (c * s) + expectedEstimate[i];
                Assert.True(Bits(expectedPlus) == Bits(plus[i]), $"width {width}, unit {i}: plus {plus[i]}, expected {expectedPlus}");
                Assert.True(Bits(expectedMinus) == Bits(minus[i]), $"width {width}, unit {i}: minus {minus[i]}, expected {expectedMinus}");
                Assert.True(Bits(expectedEstimate[i]) == Bits(estimate[i]), $"width {width}, unit {i}: estimate {estimate[i]}, expected {expectedEstimate[i]}");
                zeros += Bits(s) == 0x8000_0000u ? 1 : 0;
                flushed += plus[i] == 0f ? 1 : 0;
            }

            if (width == 300)
            {
                Assert.True(zeros > 5 && flushed > 20, $"{zeros} steps of −0, {flushed} flushed");
            }
        }
    }

    [Theory]
    [MemberData(nameof(AllPaths))]
    public void Eligibility_is_one_exactly_where_the_centre_and_both_written_out_steps_are_non_zero(KernelPath path)
    {
        const float sigma = 0.05f, inner = 0.5f, outer = 0.5f;
        foreach (int width in new[] { 300, 10 })
        {
            var random = new Random(width + 1);
            float[] product = [.. Enumerable.Range(0, width).Select(_ => (float)((random.NextDouble() * 2.4) - 1.2))];
            float[] bias = [.. Enumerable.Range(0, width).Select(_ => random.Next(3) == 0 ? 0f : (float)((random.NextDouble() * 0.6) - 0.3))];
            float[] centre = [.. Enumerable.Range(0, width).Select(i => random.Next(5) == 0 ? (i % 2 == 0 ? 0f : -0f) : random.Next(50) == 0 ? float.NaN : 1f)];
            float[] eligible = new float[width];
            PerturbedPair.Eligibility(product, bias, centre, sigma, inner, outer, eligible, path);
            int live = 0;
            for (int i = 0; i < width; i++)
            {
                float plus = Flush(Flush(product[i] + sigma, inner) + bias[i], outer), minus = Flush(Flush(product[i] - sigma, inner) + bias[i], outer);
                float expected = centre[i] != 0f && plus != 0f && minus != 0f ? 1f : 0f;
                Assert.True(Bits(expected) == Bits(eligible[i]), $"width {width}, unit {i}: {eligible[i]}, expected {expected}");
                live += (int)expected;
            }

            Assert.InRange(live, 1, width - 1);
        }
    }

    [Fact]
    public void Operands_too_short_for_the_pair_are_refused_with_their_lengths()
    {
        float[] row = new float[40];
        var error = Assert.Throws<ArgumentException>(() => PerturbedPair.Build(row, row, row, new uint[1], 0.1f, 0.5f, 0.5f, row, row, KernelPath.Scalar));
        Assert.Contains("2 sign words", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => PerturbedPair.Accumulate(new uint[2], new float[39], 1f, row, KernelPath.Scalar));
    }

    private static float Flush(float value, float threshold) =>
        MathF.Abs(value) < threshold ? BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(value) & 0x8000_0000u) : value;

    private static uint Bits(float value) => BitConverter.SingleToUInt32Bits(value);
}
