using CommunityToolkit.HighPerformance;
using CpuLinear.Scoring;

namespace CpuLinear.Tests.Scoring;

public sealed class SoftmaxCrossEntropyTests
{
    [Fact]
    public void One_rows_loss_has_the_bits_of_the_batch_loss_of_that_row_including_ties_infinities_and_nan()
    {
        var random = new Random(3);
        var rows = new List<float[]>();
        for (int r = 0; r < 500; r++)
        {
            rows.Add([.. Enumerable.Range(0, 10).Select(_ => (float)((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-3, 3))))]);
        }

        rows.Add([2f, 2f, -1f, 2f, 0f, 0f, 0f, 0f, 0f, 0f]);
        rows.Add([1f, float.PositiveInfinity, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f]);
        rows.Add([1f, float.NegativeInfinity, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f]);
        rows.Add([float.NaN, 1f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f]);
        rows.Add([1f, 3f, float.NaN, 0f, 0f, 0f, 0f, 0f, 0f, 0f]);
        rows.Add([-0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f]);
        foreach (float[] row in rows)
        {
            for (int label = 0; label < row.Length; label++)
            {
                double expected = SoftmaxCrossEntropy.Evaluate(new ReadOnlySpan2D<float>(row, 1, row.Length), [(byte)label], Span2D<float>.Empty, 0f, out _);
                double actual = SoftmaxCrossEntropy.RowLoss(row, label);
                Assert.True(
                    BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(actual),
                    $"[{string.Join(", ", row)}], label {label}: {actual}, expected {expected}");
            }
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropy.RowLoss(rows[0], 10));
    }
}
