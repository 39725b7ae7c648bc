using System.Runtime.Intrinsics;
using CpuLinear.Randomness;

namespace CpuLinear.Tests.Randomness;

// The four-lane Box–Muller must give the scalar code's bits exactly: every ES member's noise (and so every run's
// bits) comes through it. Runs where Vector256 is not native too: the lanes are then emulated, same arithmetic.
public sealed class BoxMullerVector256Tests
{
    [Fact]
    public void Log_equals_the_scalar_series_bit_for_bit_on_edges_and_a_sweep()
    {
        var inputs = new List<double>
        {
            Math.Pow(2, -53), Math.Pow(2, -52), 0.5, 1.0, 2.0, Math.Sqrt(2), BitDecrement(Math.Sqrt(2)), BitIncrement(Math.Sqrt(2)),
            Math.Sqrt(0.5), BitDecrement(1.0), 0.7071067811865476, 1.4142135623730951, 1e-10, 0.1, 0.9999999999,
        };
        var random = new Random(5);
        for (int i = 0; i < 4000; i++)
        {
            // Box–Muller's u1 lies in [2^-53, 1]: tiny values, and the whole unit interval.
            inputs.Add(((random.Next(1, 1 << 30) * 8.0) + 1) * Math.Pow(2, -53));
            inputs.Add(1 - random.NextDouble());
        }

        for (int i = 0; i + 4 <= inputs.Count; i += 4)
        {
            Vector256<double> actual = BoxMullerVector256.Log(Vector256.Create(inputs[i], inputs[i + 1], inputs[i + 2], inputs[i + 3]));
            for (int lane = 0; lane < 4; lane++)
            {
                double x = inputs[i + lane];
                Assert.True(BitConverter.DoubleToInt64Bits(PortableMath.Log(x)) == BitConverter.DoubleToInt64Bits(actual.GetElement(lane)),
                    $"ln({x:R}): scalar {PortableMath.Log(x):R}, lanes {actual.GetElement(lane):R}");
            }
        }
    }

    [Fact]
    public void SinCos_equals_the_scalar_series_bit_for_bit_in_every_quadrant_and_at_the_swap()
    {
        var inputs = new List<double> { 0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, BitDecrement(1.0), BitDecrement(0.25), BitIncrement(0.25), Math.Pow(2, -53), 0.0625, 0.1875 };
        var random = new Random(6);
        for (int i = 0; i < 4002; i++)
        {
            inputs.Add(random.Next(0, 1 << 30) / (double)(1 << 30));
        }

        for (int i = 0; i + 4 <= inputs.Count; i += 4)
        {
            (Vector256<double> sin, Vector256<double> cos) = BoxMullerVector256.SinCosTurns(Vector256.Create(inputs[i], inputs[i + 1], inputs[i + 2], inputs[i + 3]));
            for (int lane = 0; lane < 4; lane++)
            {
                (double expectedSin, double expectedCos) = PortableMath.SinCosTurns(inputs[i + lane]);
                Assert.Equal(BitConverter.DoubleToInt64Bits(expectedSin), BitConverter.DoubleToInt64Bits(sin.GetElement(lane)));
                Assert.Equal(BitConverter.DoubleToInt64Bits(expectedCos), BitConverter.DoubleToInt64Bits(cos.GetElement(lane)));
            }
        }
    }

    [Fact]
    public void Eight_normals_at_a_time_equal_the_pairwise_fill_over_many_streams()
    {
        for (ulong stream = 0; stream < 40; stream++)
        {
            var random = new CounterRandom(0x1234_5678_9ABC_DEF0UL ^ stream, CounterRandom.StreamOf(stream, 3));
            var eight = new float[8];
            for (long block = 0; block < 400; block += 4)
            {
                BoxMullerVector256.FillEight(random, block, 0.75f, eight);
                for (int b = 0; b < 4; b++)
                {
                    (double cos, double sin) = random.Pair(block + b);
                    Assert.Equal(BitConverter.SingleToUInt32Bits((float)cos * 0.75f), BitConverter.SingleToUInt32Bits(eight[2 * b]));
                    Assert.Equal(BitConverter.SingleToUInt32Bits((float)sin * 0.75f), BitConverter.SingleToUInt32Bits(eight[(2 * b) + 1]));
                }
            }
        }
    }

    private static double BitDecrement(double x) => Math.BitDecrement(x);

    private static double BitIncrement(double x) => Math.BitIncrement(x);
}
