using CommunityToolkit.HighPerformance;
using CpuLinear.Kernels;
using CpuLinear.Simd;

namespace CpuLinear.Tests.Kernels;

public sealed class FollowingLayerTests
{
    public static TheoryData<KernelPath> AllPaths => GemmBitIdentityTests.AllPaths;

    [Theory]
    [MemberData(nameof(AllPaths))]
    public void The_fused_layer_has_the_bits_of_the_low_rank_updated_gemm_after_the_row_sum_on_every_path(KernelPath path)
    {
        // 64 columns fill whole tiles on every path (each block of rows is multiplied as it is finished); 77 leave
        // a column tail (the layer runs once at the end). 17 rows: two six-row blocks, one of four, one alone.
        // 10 outputs are the network's (a narrower path's partial panel), 3 and 37 the edges of one and several panels.
        foreach (int width in new[] { 64, 77 })
        {
            foreach (int outputs in new[] { 10, 3, 37 })
            {
                foreach (int rank in new[] { 0, 1, 2 })
                {
                    Check(path, width, height: 17, outputs, rank, seed: width + (100 * outputs) + rank);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(AllPaths))]
    public void Apply_on_its_own_has_the_gemms_bits_and_so_do_narrow_panels_on_one_512_bit_vector_per_row_and_panel_pairs(KernelPath path)
    {
        // 71 rows: five twelve-row blocks and eleven leftovers for the one-vector kernel, eleven six-row tiles and five
        // rows for the others; padded, 72 rows are computed and the 72nd is scratch. 10 and 16 outputs fit one 16-column
        // panel; depth 300 is deeper than the GEMM's depth blocks. On 512-bit lanes 100 outputs run one two-panel
        // (24-accumulator) tile, one single panel and a partial one; 160 outputs two two-panel tiles and a single panel.
        const int height = 71;
        foreach ((int outputs, int depth) in new[] { (10, 37), (16, 300), (3, 37), (37, 300), (10, 300), (100, 300), (160, 37) })
        {
            var random = new Random(outputs + depth);
            float[] Many(int count) => [.. Enumerable.Range(0, count).Select(_ => random.Next(5) == 0 ? 0f : (float)((random.NextDouble() * 2) - 1))];
            float[] source = Many((height + 1) * depth), weights = Many(depth * outputs), bias = Many(outputs);
            const float inner = 0.2f, outer = 0.4f;
            float[] expected = new float[height * outputs];
            Gemm.Multiply(
                new ReadOnlySpan2D<float>(source, height, depth), new ReadOnlySpan2D<float>(weights, depth, outputs),
                new Span2D<float>(expected, height, outputs), new BiasDeadZoneEpilogue(bias, inner, outer), new EngineSettings { Path = path, MaxThreads = 1 });

            KernelPath layerPath = FollowingLayer.PathFor(path, outputs);
            float[] packed = new float[FollowingLayer.PackedLength(depth, outputs, layerPath)];
            FollowingLayer.Pack(new ReadOnlySpan2D<float>(weights, depth, outputs), [], [], 0, layerPath, packed);
            foreach (KernelPath lanes in new[] { KernelPath.Scalar, KernelPath.Vector512 })
            {
                foreach (bool pad in new[] { false, true })
                {
                    float[] actual = new float[(height + 1) * outputs];
                    var layer = new FollowingLayer(packed, depth, outputs, layerPath, bias, inner, outer, actual, lanes);
                    Assert.Equal(lanes == KernelPath.Vector512 && layerPath == KernelPath.Vector256 && outputs <= 16, layer.OneWideVector);
                    layer.Apply(source, height, pad);
                    Assert.Equal(Bits(expected), Bits(actual.AsSpan(0, height * outputs).ToArray()));
                }
            }
        }
    }

    [Fact]
    public void Shapes_that_do_not_agree_are_refused_with_what_they_are()
    {
        KernelPath path = KernelPath.Scalar;
        float[] packed = new float[FollowingLayer.PackedLength(8, 3, path)], bias = new float[3];
        var tooShort = Assert.Throws<ArgumentException>(() => new FollowingLayer(packed.AsSpan(1), 8, 3, path, bias, 0f, 0.5f, new float[6]));
        Assert.Contains($"needs {packed.Length} packed values", tooShort.Message, StringComparison.Ordinal);

        // A layer of depth 8 after rows of 9 columns.
        float[] shared = new float[2 * 9], output = new float[2 * 9], logits = new float[2 * 3];
        var mismatch = Assert.Throws<ArgumentException>(() => WeightedRowSum.Compute(
            9, shared, new float[9], [], [], [], [], new float[9], 0f, 0.5f, output, path,
            new FollowingLayer(packed, 8, 3, path, bias, 0f, 0.5f, logits)));
        Assert.Contains("takes 8 inputs", mismatch.Message, StringComparison.Ordinal);

        var pack = Assert.Throws<ArgumentException>(() => FollowingLayer.Pack(new ReadOnlySpan2D<float>(new float[24], 8, 3), new float[7], new float[3], 1, path, packed));
        Assert.Contains("needs 8 coefficients", pack.Message, StringComparison.Ordinal);
    }

    private static void Check(KernelPath path, int width, int height, int outputs, int rank, int seed)
    {
        var random = new Random(seed);
        float Next() => (float)((random.NextDouble() * 2) - 1);
        float[] Many(int count) => [.. Enumerable.Range(0, count).Select(_ => random.Next(5) == 0 ? 0f : Next())];
        const int matrixRows = 12;
        int[] rows = [7, 2, 2, 11];
        float[] shared = Many(height * width), matrix = Many(matrixRows * width), factor = Many(width);
        float[] rowWeights = Many(height * rows.Length), factorWeights = Many(height), bias = Many(width);
        float[] weights = Many(width * outputs), coefficients = Many(width * rank), updateRows = Many(rank * outputs), nextBias = Many(outputs);
        const float inner = 0.3f, outer = 0.5f, nextInner = 0.2f, nextOuter = 0.4f;

        // Apart: the row sum, then the GEMM the members ran before (one thread, the same path).
        float[] hidden = new float[height * width], expected = new float[height * outputs];
        WeightedRowSum.Compute(width, shared, matrix, rows, rowWeights, factor, factorWeights, bias, inner, outer, hidden, path);
        Gemm.MultiplyLowRankUpdated(
            new ReadOnlySpan2D<float>(hidden, height, width), new ReadOnlySpan2D<float>(weights, width, outputs), coefficients, updateRows, rank,
            new Span2D<float>(expected, height, outputs), new BiasDeadZoneEpilogue(nextBias, nextInner, nextOuter), new EngineSettings { Path = path, MaxThreads = 1 });

        // Fused.
        KernelPath layerPath = FollowingLayer.PathFor(path, outputs);
        float[] packed = new float[FollowingLayer.PackedLength(width, outputs, layerPath)];
        FollowingLayer.Pack(new ReadOnlySpan2D<float>(weights, width, outputs), coefficients, updateRows, rank, layerPath, packed);
        float[] fusedHidden = new float[height * width], actual = new float[height * outputs];
        WeightedRowSum.Compute(
            width, shared, matrix, rows, rowWeights, factor, factorWeights, bias, inner, outer, fusedHidden, path,
            new FollowingLayer(packed, width, outputs, layerPath, nextBias, nextInner, nextOuter, actual));

        Assert.Equal(Bits(hidden), Bits(fusedHidden));
        Assert.Equal(Bits(expected), Bits(actual));

        // And both are the written-out definition: W' = W + U·V element by element (t increasing), one fma chain
        // from +0 over k increasing, then D_out(D_in(acc) + b).
        float[] reference = new float[height * outputs];
        for (int i = 0; i < height; i++)
        {
            for (int j = 0; j < outputs; j++)
            {
                float acc = 0f;
                for (int k = 0; k < width; k++)
                {
                    float w = weights[(k * outputs) + j];
                    for (int t = 0; t < rank; t++)
                    {
                        w = MathF.FusedMultiplyAdd(updateRows[(t * outputs) + j], coefficients[(k * rank) + t], w);
                    }

                    acc = MathF.FusedMultiplyAdd(hidden[(i * width) + k], w, acc);
                }

                float sum = (MathF.Abs(acc) < nextInner ? 0f * acc : acc) + nextBias[j];
                reference[(i * outputs) + j] = MathF.Abs(sum) < nextOuter ? 0f * sum : sum;
            }
        }

        Assert.Equal(Bits(reference), Bits(actual));
        Assert.Contains(actual, v => v == 0);
        Assert.Contains(actual, v => v != 0);
    }

    private static uint[] Bits(float[] values) => Array.ConvertAll(values, BitConverter.SingleToUInt32Bits);
}
