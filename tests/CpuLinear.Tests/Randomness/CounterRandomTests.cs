using CpuLinear.Randomness;

namespace CpuLinear.Tests.Randomness;

public class CounterRandomTests
{
    [Theory]
    // Known-answer vectors published with the Random123 library for Philox4x32-10.
    [InlineData(0UL, 0UL, 0UL, 0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u)]
    [InlineData(0xffffffff_ffffffffUL, 0xffffffff_ffffffffUL, 0xffffffff_ffffffffUL, 0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu)]
    [InlineData(0x299f31d0_a4093822UL, 0x03707344_13198a2eUL, 0x85a308d3_243f6a88UL, 0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u)]
    public void PhiloxMatchesPublishedVectors(ulong key, ulong stream, ulong block, uint x0, uint x1, uint x2, uint x3) =>
        Assert.Equal((x0, x1, x2, x3), Philox4x32.Block(key, stream, block));

    [Fact]
    public void Runs_of_blocks_in_vector_lanes_or_one_by_one_are_the_blocks_words()
    {
        // 1..21 blocks: none, one or two eight-block vectors plus a tail; a run that crosses 2^32 carries into the
        // counter's high word.
        foreach (ulong first in new[] { 0UL, 12345UL, 0xFFFF_FFFBUL })
        {
            for (int blocks = 0; blocks <= 21; blocks++)
            {
                foreach (bool vectors in new[] { false, true })
                {
                    uint[] words = new uint[4 * blocks];
                    Philox4x32.Blocks(0x0123_4567_89AB_CDEFUL, 0xFEDC_BA98_7654_3210UL, first, words, vectors);
                    for (int j = 0; j < blocks; j++)
                    {
                        Assert.Equal(Philox4x32.Block(0x0123_4567_89AB_CDEFUL, 0xFEDC_BA98_7654_3210UL, first + (ulong)j), (words[4 * j], words[(4 * j) + 1], words[(4 * j) + 2], words[(4 * j) + 3]));
                    }
                }
            }
        }

        Assert.Throws<ArgumentException>(() => Philox4x32.Blocks(1, 2, 3, new uint[6], vectorLanes: true));
    }

    [Fact]
    public void SplitFillsEqualOneFill()
    {
        var random = new CounterRandom(7, CounterRandom.StreamOf(1, 2, 3));
        var whole = new float[1001];
        random.FillNormal(whole);
        var parts = new float[1001];
        random.FillNormal(parts.AsSpan(333), offset: 333);
        random.FillNormal(parts.AsSpan(0, 333));
        Assert.Equal(whole, parts);
    }

    [Fact]
    public void Each_element_filled_alone_equals_the_pairwise_fill()
    {
        // A fill writes both normals of a Box–Muller pair from one evaluation; one element at a time takes
        // its half of the pair, at even and odd offsets alike.
        var random = new CounterRandom(11, CounterRandom.StreamOf(4, 5, 6));
        var whole = new float[257];
        random.FillNormal(whole, 0.5f, 40);
        var single = new float[whole.Length];
        for (int i = 0; i < single.Length; i++)
        {
            random.FillNormal(single.AsSpan(i, 1), 0.5f, 40 + i);
        }

        Assert.Equal(Array.ConvertAll(whole, BitConverter.SingleToUInt32Bits), Array.ConvertAll(single, BitConverter.SingleToUInt32Bits));
    }

    [Fact]
    public void NormalSamplesHaveUnitMomentsAndGaussianTails()
    {
        const int n = 1_000_000;
        var samples = new float[n];
        new CounterRandom(42, 0).FillNormal(samples);
        double mean = samples.Average(v => (double)v);
        double variance = samples.Sum(v => (v - mean) * (v - mean)) / (n - 1);
        double beyondTwo = samples.Count(v => MathF.Abs(v) > 2f) / (double)n;

        // Five standard errors: a wrong transform (uniforms, a missing factor 2) fails by far more.
        Assert.InRange(mean, -5 / Math.Sqrt(n), 5 / Math.Sqrt(n));
        Assert.InRange(variance, 1 - (5 * Math.Sqrt(2.0 / n)), 1 + (5 * Math.Sqrt(2.0 / n)));
        Assert.InRange(beyondTwo, 0.0455 - 0.0011, 0.0455 + 0.0011);
    }

    [Fact]
    public void UniformSamplesCoverTheUnitInterval()
    {
        var samples = new float[200_000];
        new CounterRandom(3, 9).FillUniform(samples);
        Assert.All(samples, v => Assert.InRange(v, 0f, 0.99999994f));
        Assert.InRange(samples.Average(), 0.5 - 0.005, 0.5 + 0.005);
    }

    [Fact]
    public void StreamsAndKeysAreIndependent()
    {
        float[] a = new float[64], b = new float[64], c = new float[64];
        new CounterRandom(1, 5).FillNormal(a);
        new CounterRandom(1, 6).FillNormal(b);
        new CounterRandom(2, 5).FillNormal(c);
        Assert.NotEqual(a, b);
        Assert.NotEqual(a, c);
        Assert.NotEqual(CounterRandom.StreamOf(1, 2), CounterRandom.StreamOf(2, 1));
    }

    [Fact]
    public void PortableMathMatchesTheRuntime()
    {
        for (int i = 1; i < 20000; i++)
        {
            double x = i / 20000.0;
            Assert.InRange(PortableMath.Log(x) - Math.Log(x), -2e-15, 2e-15);
            var (sin, cos) = PortableMath.SinCosTurns(x);
            Assert.InRange(sin - Math.Sin(2 * Math.PI * x), -1e-14, 1e-14);
            Assert.InRange(cos - Math.Cos(2 * Math.PI * x), -1e-14, 1e-14);
        }

        Assert.InRange(PortableMath.Log(1e-310) - Math.Log(1e-310), -1e-12, 1e-12);
        Assert.InRange(PortableMath.Log(double.Epsilon) - Math.Log(double.Epsilon), -1e-12, 1e-12);
    }
}
