using CpuLinear.Evolution;

namespace CpuLinear.Tests.Evolution;

public sealed class CenteredRanksTests
{
    [Fact]
    public void Ranks_span_minus_half_to_half_with_ties_by_index_and_nan_worst()
    {
        double[] fitness = [3.0, double.NaN, -1.0, 3.0, 10.0];
        var shaped = new float[5];
        CenteredRanks.Compute(fitness, shaped);
        // Ascending: NaN (1), -1 (2), 3 (0), 3 (3), 10 (4) → ranks 0..4 → rank/4 − 0.5.
        Assert.Equal([0f, -0.5f, -0.25f, 0.25f, 0.5f], shaped);
    }

    [Fact]
    public void A_population_of_one_has_no_preference()
    {
        var shaped = new float[1] { 7f };
        CenteredRanks.Compute([42.0], shaped);
        Assert.Equal(0f, shaped[0]);
    }
}
