using CpuLinear.Data;
using CpuLinear.Evolution;
using CpuLinear.Networks;
using CpuLinear.Training;

namespace CpuLinear.Tests.Evolution;

public sealed class WeightRmsProjectionTests
{
    private static readonly NetworkArchitecture Net = new([4, 24, 19, 2]);

    [Fact]
    public void Hidden_layers_return_to_the_initial_rms_with_their_direction_and_the_rest_untouched()
    {
        NetworkParameters before = NetworkParameters.Initialize(Net, 5);
        Scale(before.Weights(0), 3f);
        Scale(before.Weights(1), 0.2f);
        before.Bias(0).Fill(0.7f);
        NetworkParameters after = before.Clone();

        WeightRmsProjection.Apply(after);

        for (int layer = 0; layer < 2; layer++)
        {
            Assert.Equal(Math.Sqrt(2.0 / Net.Widths[layer]), Rms(after.Weights(layer)), 1e-6);
            // One factor per layer: every weight keeps its sign and its ratio to the others.
            float factor = after.Weights(layer)[0] / before.Weights(layer)[0];
            for (int i = 0; i < before.Weights(layer).Length; i++)
            {
                Assert.Equal(before.Weights(layer)[i] * factor, after.Weights(layer)[i], 6);
            }
        }

        // The last layer (the logits' scale) and every bias are left exactly as they were.
        Assert.Equal(EvolutionTestData.Hex(before.Weights(2)), EvolutionTestData.Hex(after.Weights(2)));
        for (int layer = 0; layer < 3; layer++)
        {
            Assert.Equal(EvolutionTestData.Hex(before.Bias(layer)), EvolutionTestData.Hex(after.Bias(layer)));
        }
    }

    [Fact]
    public void An_all_zero_layer_stays_zero()
    {
        NetworkParameters parameters = NetworkParameters.Initialize(Net, 5);
        parameters.Weights(1).Clear();
        WeightRmsProjection.Apply(parameters);
        Assert.All(parameters.Weights(1).ToArray(), w => Assert.Equal(0f, w));
        Assert.Equal(Math.Sqrt(2.0 / 4), Rms(parameters.Weights(0)), 1e-6);
    }

    [Fact]
    public void A_trainer_with_fixed_weight_rms_ends_every_generation_at_the_target()
    {
        using DatasetSplits data = Datasets.Load("parity4", new DatasetLoadOptions { Log = TextWriter.Null });
        var settings = new EvolutionSettings { Pairs = 4, BatchSize = 32, Generations = 5, Rank = 1, WeightDecay = 0.5f, LearningRateInitial = 0.05f, FixedWeightRms = true };
        EvolutionTrainer held = EvolutionTestData.Run(Net, settings, data.Train, 3, threads: 2);
        EvolutionTrainer free = EvolutionTestData.Run(Net, settings with { FixedWeightRms = false }, data.Train, 3, threads: 2);

        Assert.Equal(Math.Sqrt(2.0 / 4), Rms(held.Parameters.Weights(0)), 1e-6);
        Assert.Equal(Math.Sqrt(2.0 / 24), Rms(held.Parameters.Weights(1)), 1e-6);
        // Strong decay shrinks the free run's hidden weights; the held run does not follow it.
        Assert.True(Rms(free.Parameters.Weights(0)) < 0.99 * Math.Sqrt(2.0 / 4), $"free RMS {Rms(free.Parameters.Weights(0))}");
    }

    private static void Scale(Span<float> values, float factor)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] *= factor;
        }
    }

    private static double Rms(ReadOnlySpan<float> values)
    {
        double squares = 0;
        foreach (float v in values)
        {
            squares += (double)v * v;
        }

        return Math.Sqrt(squares / values.Length);
    }
}
