using CpuLinear.Kernels;
using CpuLinear.Simd;

namespace CpuLinear.Tests.Kernels;

public sealed class WeightedRowSumTests
{
    public static TheoryData<KernelPath> AllPaths => GemmBitIdentityTests.AllPaths;

    [Theory]
    [MemberData(nameof(AllPaths))]
    public void Every_element_is_one_fma_chain_then_the_bias_dead_zones_on_every_path(KernelPath path)
    {
        // 77 columns: two-vector tiles, single vectors and a scalar tail on every width; 17 rows: two blocks of
        // six rows, one of four and one row alone.
        const int width = 77, height = 17, matrixRows = 12;
        var random = new Random(3);
        float Next() => (float)((random.NextDouble() * 2) - 1);
        float[] Many(int count) => [.. Enumerable.Range(0, count).Select(_ => Next())];
        float[] shared = Many(height * width), matrix = Many(matrixRows * width), factor = Many(2 * width);
        float[] bias = [.. Enumerable.Range(0, width).Select(_ => random.Next(4) == 0 ? 0f : Next())];
        int[] rows = [7, 2, 2, 11];
        float[] rowWeights = Many(height * rows.Length), factorWeights = Many(height * 2);
        const float inner = 0.3f, outer = 0.5f;

        var expected = new float[height * width];
        for (int i = 0; i < height; i++)
        {
            for (int c = 0; c < width; c++)
            {
                float acc = shared[(i * width) + c];
                for (int u = 0; u < rows.Length; u++)
                {
                    acc = MathF.FusedMultiplyAdd(matrix[(rows[u] * width) + c], rowWeights[(i * rows.Length) + u], acc);
                }

                for (int t = 0; t < 2; t++)
                {
                    acc = MathF.FusedMultiplyAdd(factor[(t * width) + c], factorWeights[(i * 2) + t], acc);
                }

                float sum = (MathF.Abs(acc) < inner ? 0f * acc : acc) + bias[c];
                expected[(i * width) + c] = MathF.Abs(sum) < outer ? 0f * sum : sum;
            }
        }

        var actual = new float[height * width];
        WeightedRowSum.Compute(width, shared, matrix, rows, rowWeights, factor, factorWeights, bias, inner, outer, actual, path);
        Assert.Equal(Array.ConvertAll(expected, BitConverter.SingleToUInt32Bits), Array.ConvertAll(actual, BitConverter.SingleToUInt32Bits));
        Assert.Contains(actual, v => v == 0);
        Assert.Contains(actual, v => v != 0);
    }

    [Theory]
    [MemberData(nameof(AllPaths))]
    public void A_chain_far_longer_than_any_member_needs_is_computed_not_a_stack_overflow(KernelPath path)
    {
        // 150,000 terms: their pointers (1.2 MB) would not fit a thread's stack.
        const int width = 9, height = 5, terms = 150_000;
        var random = new Random(4);
        float[] shared = new float[height * width], matrix = [.. Enumerable.Range(0, 3 * width).Select(_ => (float)random.NextDouble())];
        int[] rows = [.. Enumerable.Range(0, terms).Select(u => u % 3)];
        float[] rowWeights = [.. Enumerable.Range(0, height * terms).Select(_ => (float)(random.NextDouble() - 0.5) * 1e-3f)];

        var expected = new float[height * width];
        for (int i = 0; i < height; i++)
        {
            for (int c = 0; c < width; c++)
            {
                float acc = 0;
                for (int u = 0; u < terms; u++)
                {
                    acc = MathF.FusedMultiplyAdd(matrix[(rows[u] * width) + c], rowWeights[(i * terms) + u], acc);
                }

                expected[(i * width) + c] = acc;
            }
        }

        // On a thread with a 1 MB stack, so the test does not depend on how large the runner's stacks are.
        var actual = new float[height * width];
        var worker = new Thread(() => WeightedRowSum.Compute(width, shared, matrix, rows, rowWeights, [], [], new float[width], 0, 0, actual, path), 1 << 20);
        worker.Start();
        worker.Join();
        Assert.Equal(Array.ConvertAll(expected, BitConverter.SingleToUInt32Bits), Array.ConvertAll(actual, BitConverter.SingleToUInt32Bits));
        Assert.Contains(actual, v => v != 0);
    }

    [Fact]
    public void A_row_outside_the_matrix_is_named()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            WeightedRowSum.Compute(4, new float[4], new float[8], [2], [1f], [], [], new float[4], 0, 0, new float[4], KernelPath.Scalar));
        Assert.Contains("Row 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Weights_for_fewer_rows_than_the_output_are_an_error()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            WeightedRowSum.Compute(4, new float[8], new float[8], [1], [1f], [], [], new float[4], 0, 0, new float[8], KernelPath.Scalar));
        Assert.Contains("1 row weights", error.Message, StringComparison.Ordinal);
    }
}
