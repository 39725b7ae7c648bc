using CpuLinear.Evolution;
using CpuLinear.Networks;

namespace CpuLinear.Tests.Evolution;

public sealed class LowRankNoiseLayoutTests
{
    private static readonly NetworkArchitecture Net = new([6, 8, 5, 3]);

    [Fact]
    public void Factors_come_first_layer_by_layer_then_every_bias_noise()
    {
        var layout = new LowRankNoiseLayout(Net, 2);
        Assert.Equal(0, layout.FactorA(0));
        Assert.Equal(6 * 2, layout.FactorB(0));
        Assert.Equal((6 + 8) * 2, layout.FactorA(1));
        Assert.Equal(((6 + 8) * 2) + (8 * 2), layout.FactorB(1));
        Assert.Equal((6 + 8 + 8 + 5) * 2, layout.FactorA(2));
        int biases = (6 + 8 + 8 + 5 + 5 + 3) * 2;
        Assert.Equal(biases, layout.BiasNoise(0));
        Assert.Equal(biases + 8, layout.BiasNoise(1));
        Assert.Equal(biases + 8 + 5, layout.BiasNoise(2));
        Assert.Equal(biases + 8 + 5 + 3, layout.Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => new LowRankNoiseLayout(Net, 0));
    }

    [Theory]
    [InlineData(0.5f)]
    [InlineData(-0.5f)]
    public void A_member_is_theta_plus_scale_times_the_rank_r_term_with_the_first_weights_untouched(float scale)
    {
        // Dyadic values and r = 4 (√r = 2): every product and sum is exact, so the expected member can be
        // written with plain arithmetic and compared exactly.
        var layout = new LowRankNoiseLayout(Net, 4);
        var random = new Random(3);
        float[] theta = [.. Enumerable.Range(0, Net.ParameterCount).Select(_ => random.Next(-8, 9) * 0.25f)];
        float[] noise = [.. Enumerable.Range(0, layout.Length).Select(_ => random.Next(-4, 5) * 0.5f)];
        var member = new float[Net.ParameterCount];
        Array.Fill(member, float.NaN);
        layout.WriteMember(theta, noise, scale, member);

        for (int l = 0; l < Net.LayerCount; l++)
        {
            int fanIn = Net.Widths[l], fanOut = Net.Widths[l + 1];
            for (int c = 0; c < fanOut; c++)
            {
                int at = Net.BiasOffset(l) + c;
                Assert.Equal(theta[at] + (scale * noise[layout.BiasNoise(l) + c]), member[at]);
            }

            for (int i = 0; i < fanIn; i++)
            {
                for (int c = 0; c < fanOut; c++)
                {
                    int at = Net.WeightOffset(l) + (i * fanOut) + c;
                    if (l == 0)
                    {
                        Assert.True(float.IsNaN(member[at]), "the first weight matrix is left to the shared product");
                        continue;
                    }

                    float term = 0;
                    for (int t = 0; t < 4; t++)
                    {
                        term += noise[layout.FactorA(l) + (i * 4) + t] * noise[layout.FactorB(l) + (t * fanOut) + c];
                    }

                    Assert.Equal(theta[at] + (scale / 2 * term), member[at]);
                }
            }
        }

        // Biases only: the weights stay as they were.
        var biasesOnly = (float[])theta.Clone();
        layout.WriteMember(theta, noise, scale, biasesOnly, laterWeights: false);
        Assert.Equal(theta.AsSpan(Net.WeightOffset(1), 8 * 5).ToArray(), biasesOnly.AsSpan(Net.WeightOffset(1), 8 * 5).ToArray());
        Assert.NotEqual(theta.AsSpan(Net.BiasOffset(1), 5).ToArray(), biasesOnly.AsSpan(Net.BiasOffset(1), 5).ToArray());
    }
}
