using CpuLinear.Kernels;
using CpuLinear.Simd;

namespace CpuLinear.Tests.Kernels;

public class EpilogueTests
{
    public static TheoryData<KernelPath> AllPaths => GemmBitIdentityTests.AllPaths;

    [Theory]
    [MemberData(nameof(AllPaths))]
    public void DeadZoneKeepsSignNaNAndInfinity(KernelPath path)
    {
        // Lengths 0..70 put every value in both vector bodies and scalar tails of every width.
        float[] special = [0.5f, -0.5f, 0.49999997f, -0.49999997f, 0f, -0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1e-30f, -1e-30f, 3f];
        for (int length = 0; length <= 70; length++)
        {
            float[] values = Enumerable.Range(0, length).Select(i => special[i % special.Length]).ToArray();
            float[] expected = values.Select(v => float.IsNaN(v) || MathF.Abs(v) >= 0.5f ? v : MathF.CopySign(0f, v)).ToArray();
            DeadZone.Apply(values, 0.5f, path);
            Assert.Equal(expected.Select(BitConverter.SingleToUInt32Bits), values.Select(BitConverter.SingleToUInt32Bits));
        }
    }

    [Theory]
    [MemberData(nameof(AllPaths))]
    public void FusedBiasDeadZoneEqualsSeparatePasses(KernelPath path)
    {
        const int m = 45, n = 77, k = 300;
        float[] a = TestData.WideRange(m * k, 11), b = TestData.WideRange(k * n, 12), bias = TestData.WideRange(n, 13);
        float[] expected = ReferenceGemm.Multiply(m, n, k, a, b);
        for (int i = 0; i < expected.Length; i++)
        {
            float v = expected[i] + bias[i % n];
            expected[i] = MathF.Abs(v) < 64f ? MathF.CopySign(0f, v) : v;
        }

        var actual = new float[m * n];
        Gemm.Multiply(m, n, k, a, k, b, n, actual, n, new BiasDeadZoneEpilogue(bias, 64f), new EngineSettings { Path = path, MaxThreads = 3 });
        Assert.Equal(expected.Select(BitConverter.SingleToUInt32Bits), actual.Select(BitConverter.SingleToUInt32Bits));
        Assert.Contains(actual, v => v == 0f);
        Assert.Contains(actual, v => v != 0f);
    }

    [Fact]
    public void EmptyDepthGivesPositiveZeroThenEpilogue()
    {
        var c = new float[6];
        Array.Fill(c, float.NaN);
        Gemm.Multiply(2, 3, 0, [], 0, [], 3, c, 3, new BiasEpilogue(new float[] { 1f, -2f, 0f }));
        Assert.Equal([1f, -2f, 0f, 1f, -2f, 0f], c);
        Assert.Equal(0u, BitConverter.SingleToUInt32Bits(c[2]));
    }
}
