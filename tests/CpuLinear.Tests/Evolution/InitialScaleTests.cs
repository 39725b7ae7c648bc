using CpuLinear.Networks;

namespace CpuLinear.Tests.Evolution;

/// <summary>train --method es --init-scale: the same draws, every weight scaled; scale 1 is the paper's initialisation bit for bit.</summary>
public sealed class InitialScaleTests
{
    private static readonly NetworkArchitecture Net = new([784, 64, 32, 10]);

    [Fact]
    public void Scale_one_is_the_papers_initialisation_and_a_power_of_two_scales_every_weight_exactly()
    {
        NetworkParameters paper = NetworkParameters.Initialize(Net, 7);
        Assert.Equal(paper.Values, NetworkParameters.Initialize(Net, 7, 1f).Values);

        NetworkParameters doubled = NetworkParameters.Initialize(Net, 7, 2f);
        NetworkParameters halved = NetworkParameters.Initialize(Net, 7, 0.5f);
        for (int i = 0; i < paper.Values.Length; i++)
        {
            Assert.Equal(2 * paper.Values[i], doubled.Values[i]);
            Assert.Equal(0.5f * paper.Values[i], halved.Values[i]);
        }

        // A factor that is not a power of two scales the deviation once: the RMS follows it.
        NetworkParameters wide = NetworkParameters.Initialize(Net, 7, 1.5f);
        for (int layer = 0; layer < Net.LayerCount; layer++)
        {
            Assert.Equal(1.5 * paper.WeightRms(layer), wide.WeightRms(layer), 5);
            Assert.All(wide.Bias(layer).ToArray(), b => Assert.Equal(0f, b));
        }
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-1f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void A_scale_that_is_not_a_positive_finite_factor_is_refused(float scale) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => NetworkParameters.Initialize(Net, 7, scale));
}
