using CommunityToolkit.HighPerformance;
using CpuLinear.Kernels;
using CpuLinear.Simd;

namespace CpuLinear.Tests.Kernels;

/// <summary>
/// Every kernel path, at every thread count, must produce the reference's bits. Paths the CPU does not
/// accelerate still run (the runtime emulates the vectors), so all four paths are checked on every machine.
/// </summary>
public class GemmBitIdentityTests
{
    public static TheoryData<KernelPath> AllPaths => new() { KernelPath.Scalar, KernelPath.Vector128, KernelPath.Vector256, KernelPath.Vector512 };

    // Dimensions around the 6-row tile, the 8/16/32/64-column panels of the four paths and the 256-deep k-block,
    // plus primes and the network's own shapes.
    private static readonly int[] s_rows = [1, 5, 6, 7, 11, 97];
    private static readonly int[] s_columns = [1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65];
    private static readonly int[] s_depths = [0, 1, 2, 13, 255, 256, 257, 523];

    [Theory]
    [MemberData(nameof(AllPaths))]
    public void EveryShapeMatchesTheReferenceBitForBit(KernelPath path)
    {
        var settings = new EngineSettings { Path = path, MaxThreads = 2 };
        foreach (int m in s_rows)
        {
            foreach (int n in s_columns)
            {
                foreach (int k in s_depths)
                {
                    AssertMatchesReference(m, n, k, settings, seed: (ulong)((m * 1000003) + (n * 1009) + k));
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(AllPaths))]
    public void NetworkShapesMatchTheReferenceBitForBit(KernelPath path)
    {
        var settings = new EngineSettings { Path = path, MaxThreads = 2 };
        AssertMatchesReference(37, 512, 784, settings, seed: 1);
        AssertMatchesReference(41, 512, 512, settings, seed: 2);
        AssertMatchesReference(103, 10, 512, settings, seed: 3);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8)]
    public void ThreadCountDoesNotChangeBits(int threads)
    {
        var settings = new EngineSettings { MaxThreads = threads };
        AssertMatchesReference(203, 130, 300, settings, seed: 42);
        AssertMatchesReference(256, 512, 784, settings, seed: 43);
    }

    [Fact]
    public void StridedViewsMatchContiguousOnes()
    {
        const int m = 19, n = 23, k = 29, pad = 5;
        float[] a = TestData.WideRange(m * k, 7), b = TestData.WideRange(k * n, 8);
        float[] expected = ReferenceGemm.Multiply(m, n, k, a, b);

        float[] aPadded = Pad(a, m, k, pad), bPadded = Pad(b, k, n, pad);
        var cPadded = new float[m * (n + pad)];
        Array.Fill(cPadded, float.NaN);
        Gemm.Multiply(m, n, k, aPadded, k + pad, bPadded, n + pad, cPadded, n + pad);

        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                Assert.Equal(BitConverter.SingleToUInt32Bits(expected[(i * n) + j]), BitConverter.SingleToUInt32Bits(cPadded[(i * (n + pad)) + j]));
            }

            for (int j = n; j < n + pad; j++)
            {
                Assert.True(float.IsNaN(cPadded[(i * (n + pad)) + j]), $"padding at ({i},{j}) was overwritten");
            }
        }
    }

    [Fact]
    public void FusedMultiplyAddIsNotSplit()
    {
        // 1 + 2^-23 squared is 1 + 2^-22 + 2^-46: the 2^-46 survives only inside a fused multiply-add.
        // k = 0 sets acc = -1 - 2^-22 exactly; k = 1 gives fma(x, x, acc) = 2^-46 when fused, 0 when the
        // product is rounded first.
        float x = 1f + MathF.Pow(2, -23);
        float[] a = [1f, x], b = [-1f - MathF.Pow(2, -22), x];
        foreach (KernelPath path in new[] { KernelPath.Scalar, KernelPath.Vector128, KernelPath.Vector256, KernelPath.Vector512 })
        {
            var c = new float[1];
            Gemm.Multiply(1, 1, 2, a, 2, b, 1, c, 1, new EngineSettings { Path = path });
            Assert.Equal(MathF.Pow(2, -46), c[0]);
        }
    }

    [Fact]
    public void MismatchedShapesAreRejectedWithTheShapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => Gemm.Multiply(2, 2, 2, new float[3], 2, new float[4], 2, new float[4], 2));
        Assert.Contains("A holds 3 floats", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(2, 2, 3, new float[6], 2, new float[6], 2, new float[4], 2));
    }

    [Theory]
    [MemberData(nameof(AllPaths))]
    public void A_low_rank_update_applied_while_packing_gives_the_bits_of_multiplying_the_updated_copy(KernelPath path)
    {
        foreach ((int m, int n, int k, int rank) in new[] { (37, 512, 512, 1), (7, 65, 300, 3), (13, 10, 512, 2), (1, 1, 1, 1) })
        {
            var settings = new EngineSettings { Path = path, MaxThreads = 2 };
            float[] a = TestData.WideRange(m * k, 11), b = TestData.WideRange(k * n, 12);
            float[] u = TestData.WideRange(k * rank, 13), v = TestData.WideRange(rank * n, 14);

            // The reference: a copy of B with the terms added by fused multiply-adds, t in increasing order.
            float[] updated = (float[])b.Clone();
            for (int row = 0; row < k; row++)
            {
                for (int t = 0; t < rank; t++)
                {
                    FusedMultiplyAdd.Accumulate(updated.AsSpan(row * n, n), v.AsSpan(t * n, n), u[(row * rank) + t]);
                }
            }

            float[] expected = ReferenceGemm.Multiply(m, n, k, a, updated);
            var actual = new float[m * n];
            Gemm.MultiplyLowRankUpdated(
                new ReadOnlySpan2D<float>(a, m, k), new ReadOnlySpan2D<float>(b, k, n), u, v, rank,
                new Span2D<float>(actual, m, n), default(NoEpilogue), settings);
            Assert.True(Bits(expected).SequenceEqual(Bits(actual)), $"{m}x{n}x{k}, rank {rank}, {path}");
        }
    }

    [Fact]
    public void A_low_rank_update_of_the_wrong_shape_is_refused()
    {
        var a = new float[6];
        var b = new float[12];
        var c = new float[8];
        ArgumentException error = Assert.Throws<ArgumentException>(() => Gemm.MultiplyLowRankUpdated(
            new ReadOnlySpan2D<float>(a, 2, 3), new ReadOnlySpan2D<float>(b, 3, 4), new float[5], new float[4], 2,
            new Span2D<float>(c, 2, 4), default(NoEpilogue)));
        Assert.Contains("needs 6 coefficients and 8 row values; got 5 and 4", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_gemm_run_inside_another_gemm_on_the_same_thread_leaves_both_results_exact()
    {
        // Packed B panels live in a per-thread buffer kept between GEMMs. An epilogue that starts a GEMM of its
        // own (on the same thread, while the outer GEMM still reads its panels) must get a different buffer.
        var settings = new EngineSettings { MaxThreads = 1 };
        AssertMatchesReference(9, 130, 400, settings, seed: 7); // leaves this thread an idle buffer to hand out
        const int m = 13, n = 70, k = 300;
        float[] a = TestData.WideRange(m * k, 5), b = TestData.WideRange(k * n, 6);
        var actual = new float[m * n];
        var nested = new NestedGemmEpilogue(settings);
        Gemm.Multiply(m, n, k, a, k, b, n, actual, n, nested, settings);

        Assert.True(nested.Calls > 1, "the epilogue should run for several row segments");
        Assert.Equal(Bits(ReferenceGemm.Multiply(m, n, k, a, b)), Bits(actual));
    }

    private static uint[] Bits(float[] values) => [.. values.Select(BitConverter.SingleToUInt32Bits)];

    private sealed class NestedGemmEpilogueState
    {
        public int Calls;
    }

    private readonly struct NestedGemmEpilogue(EngineSettings settings) : IGemmEpilogue
    {
        private readonly NestedGemmEpilogueState _state = new();

        public int Calls => _state.Calls;

        public void Apply(Span<float> segment, int row, int column)
        {
            _state.Calls++;
            // A smaller packed B than the outer one: a shared buffer would be reused in place and the outer GEMM's
            // remaining panels overwritten.
            AssertMatchesReference(17, 64, 200, settings, seed: (ulong)_state.Calls);
        }
    }

    internal static void AssertMatchesReference(int m, int n, int k, EngineSettings settings, ulong seed)
    {
        float[] a = TestData.WideRange(m * k, seed), b = TestData.WideRange(k * n, ~seed);
        float[] expected = ReferenceGemm.Multiply(m, n, k, a, b);
        var actual = new float[m * n];
        Array.Fill(actual, float.NaN);
        Gemm.Multiply(m, n, k, a, k, b, n, actual, n, settings);
        for (int i = 0; i < expected.Length; i++)
        {
            uint want = BitConverter.SingleToUInt32Bits(expected[i]), got = BitConverter.SingleToUInt32Bits(actual[i]);
            if (want != got)
            {
                Assert.Fail($"{m}x{n}x{k} on {settings.Path?.ToString() ?? "default"} with {settings.MaxThreads} threads: C[{i / n},{i % n}] is 0x{got:X8}, reference 0x{want:X8}");
            }
        }
    }

    private static float[] Pad(float[] matrix, int rows, int columns, int pad)
    {
        var padded = new float[rows * (columns + pad)];
        for (int i = 0; i < rows; i++)
        {
            Array.Copy(matrix, i * columns, padded, i * (columns + pad), columns);
        }

        return padded;
    }
}
