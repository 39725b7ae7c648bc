using CpuLinear.Numerics;

using CpuLinear.Kernels;
using CpuLinear.Simd;

namespace CpuLinear.Tests.Numerics;

/// <summary>Every path against the scalar path at every length that hits a vector remainder, plus edge cases.</summary>
public sealed class SoftwareFlushTests
{
    public static TheoryData<string> VectorPaths => new() { "Vector512", "Vector256", "Vector128" };

    [Theory]
    [MemberData(nameof(VectorPaths))]
    public void VectorPathsEqualScalarAtEveryLength(string pathName)
    {
        KernelPath path = Enum.Parse<KernelPath>(pathName);
        for (int length = 0; length <= 67; length++)
        {
            float[] x = NearMinInputs.Create(length, seed: length);
            float[] y = NearMinInputs.CreatePartners(x, seed: 100 + length);
            AssertSame(length, (s, d) => SoftwareFlush.Flush(x, d, s), path);
            AssertSame(length, (s, d) => SoftwareFlush.Add(x, y, d, s), path);
            AssertSame(length, (s, d) => SoftwareFlush.ScaleByPowerOfTwo(x, -125, d, s), path);
            AssertSame(length, (s, d) =>
            {
                x.CopyTo(d, 0);
                SoftwareFlush.AddBiasRows(d, length == 0 ? 0 : 1, y.AsSpan(0, Math.Min(length, 1)), s);
            }, path);
        }
    }

    [Fact]
    public void FlushKeepsTheSignLikeHardware()
    {
        float[] x = [BitConverter.UInt32BitsToSingle(0x8000_0001), BitConverter.UInt32BitsToSingle(0x007F_FFFF),
            -0f, 0f, BitConverter.UInt32BitsToSingle(0x8080_0000), float.NegativeInfinity, float.NaN];
        var dst = new float[x.Length];
        SoftwareFlush.Flush(x, dst);
        uint[] bits = dst.Select(BitConverter.SingleToUInt32Bits).ToArray();
        Assert.Equal([0x8000_0000u, 0u, 0x8000_0000u, 0u, 0x8080_0000u, 0xFF80_0000u, BitConverter.SingleToUInt32Bits(float.NaN)], bits);
    }

    [Fact]
    public void InPlaceWorksAndPartialOverlapIsRejected()
    {
        float[] x = NearMinInputs.Create(100, seed: 5);
        float[] expected = new float[100];
        SoftwareFlush.Add(x, x, expected);
        float[] inPlace = (float[])x.Clone();
        SoftwareFlush.Add(inPlace, inPlace, inPlace);
        Assert.Equal(expected.Select(BitConverter.SingleToUInt32Bits), inPlace.Select(BitConverter.SingleToUInt32Bits));

        Assert.Throws<ArgumentException>(() => SoftwareFlush.Flush(x.AsSpan(0, 50), x.AsSpan(1, 50)));
        Assert.Throws<ArgumentException>(() => SoftwareFlush.Flush(x.AsSpan(0, 50), new float[49]));
        Assert.Throws<ArgumentException>(() => SoftwareFlush.AddBiasRows(new float[10], 3, new float[3]));
        Assert.Throws<ArgumentException>(() => SoftwareFlush.AddBiasRows(new float[9], 3, new float[2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => SoftwareFlush.ScaleByPowerOfTwo(x, -127, new float[100]));
        Assert.Throws<ArgumentOutOfRangeException>(() => SoftwareFlush.ScaleByPowerOfTwo(x, 128, new float[100]));
    }

    [Theory]
    [InlineData(-126, 0x3F80_0000u)] // |x| < 1 scales below 2^-126
    [InlineData(-125, 0x3F00_0000u)]
    [InlineData(0, 0x0080_0000u)]
    [InlineData(1, 0x0040_0000u)]    // subnormal thresholds matter only without DAZ
    [InlineData(23, 0x0000_0001u)]
    [InlineData(24, 0u)]
    [InlineData(127, 0u)]
    public void TinyProductThreshold(int exponent, uint expected) =>
        Assert.Equal(expected, SoftwareFlush.TinyProductThresholdBits(exponent));

    private static void AssertSame(int length, Action<KernelPath, float[]> run, KernelPath path)
    {
        var expected = new float[length];
        var actual = new float[length];
        run(KernelPath.Scalar, expected);
        run(path, actual);
        Assert.Equal(expected.Select(BitConverter.SingleToUInt32Bits), actual.Select(BitConverter.SingleToUInt32Bits));
    }
}
