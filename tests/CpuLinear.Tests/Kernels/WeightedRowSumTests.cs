using CpuLinear.Kernels;

namespace CpuLinear.Tests.Kernels;

public sealed class WeightedRowSumTests
{
    public static TheoryData<KernelPath> AllPaths => GemmBitIdentityTests.AllPaths;

    [Theory]
    [MemberData(nameof(AllPaths))]
    public void Every_element_is_one_fma_chain_then_the_bias_dead_zones_on_every_path(KernelPath path)
    {
        // 77 columns: four-vector tiles, single vectors and a scalar tail on every width.
        const int width = 77, matrixRows = 12;
        var random = new Random(3);
        float Next() => (float)((random.NextDouble() * 2) - 1);
        float[] shared = [.. Enumerable.Range(0, width).Select(_ => Next())];
        float[] matrix = [.. Enumerable.Range(0, matrixRows * width).Select(_ => Next())];
        float[] factor = [.. Enumerable.Range(0, 2 * width).Select(_ => Next())];
        float[] bias = [.. Enumerable.Range(0, width).Select(_ => random.Next(4) == 0 ? 0f : Next())];
        int[] rows = [7, 2, 2, 11];
        float[] rowWeights = [0.7f, -1.3f, 0.25f, 2f];
        float[] factorWeights = [0.4f, -0.9f];
        const float inner = 0.3f, outer = 0.5f;

        var expected = new float[width];
        for (int c = 0; c < width; c++)
        {
            float acc = shared[c];
            for (int u = 0; u < rows.Length; u++)
            {
                acc = MathF.FusedMultiplyAdd(matrix[(rows[u] * width) + c], rowWeights[u], acc);
            }

            for (int t = 0; t < factorWeights.Length; t++)
            {
                acc = MathF.FusedMultiplyAdd(factor[(t * width) + c], factorWeights[t], acc);
            }

            float sum = (MathF.Abs(acc) < inner ? 0f * acc : acc) + bias[c];
            expected[c] = MathF.Abs(sum) < outer ? 0f * sum : sum;
        }

        var actual = new float[width];
        WeightedRowSum.Compute(shared, matrix, rows, rowWeights, factor, factorWeights, bias, inner, outer, actual, path);
        Assert.Equal(Array.ConvertAll(expected, BitConverter.SingleToUInt32Bits), Array.ConvertAll(actual, BitConverter.SingleToUInt32Bits));
        Assert.Contains(actual, v => v == 0);
        Assert.Contains(actual, v => v != 0);
    }

    [Fact]
    public void A_row_outside_the_matrix_is_named()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            WeightedRowSum.Compute(new float[4], new float[8], [2], [1f], [], [], new float[4], 0, 0, new float[4], KernelPath.Scalar));
        Assert.Contains("Row 2", error.Message, StringComparison.Ordinal);
    }
}
