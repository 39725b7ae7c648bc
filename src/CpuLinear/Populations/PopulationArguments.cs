using CpuLinear.Evolution;
using CpuLinear.Networks;

namespace CpuLinear.Populations;

/// <summary>The argument checks every <see cref="IPopulationEvaluator"/> makes, in one place so they say the same.</summary>
internal static class PopulationArguments
{
    public static void Validate(NetworkParameters theta, GenerationRequest generation, Minibatch batch, int firstPair, int pairCount, int fitnessLength)
    {
        ArgumentNullException.ThrowIfNull(theta);
        ArgumentNullException.ThrowIfNull(generation);
        ArgumentNullException.ThrowIfNull(batch);
        PopulationNoise noise = generation.Noise;
        NetworkArchitecture net = theta.Architecture;
        if (noise.ParameterCount != net.ParameterCount)
        {
            throw new ArgumentException($"The noise perturbs {noise.ParameterCount} parameters; θ ({net}) has {net.ParameterCount}.", nameof(generation));
        }

        if (noise is LowRankNoise lowRank && !lowRank.Architecture.Widths.SequenceEqual(net.Widths))
        {
            throw new ArgumentException($"The noise is for {lowRank.Architecture}; θ is {net}.", nameof(generation));
        }

        if (noise.Generation != generation.Generation)
        {
            throw new ArgumentException($"The noise holds generation {noise.Generation}; the request is for generation {generation.Generation}.", nameof(generation));
        }

        if (firstPair < 0 || pairCount < 0 || firstPair > noise.Pairs - pairCount)
        {
            throw new ArgumentOutOfRangeException(nameof(firstPair), $"Pairs [{firstPair}, {firstPair + pairCount}) are outside the generation's {noise.Pairs} pairs.");
        }

        if (fitnessLength != 2 * pairCount)
        {
            throw new ArgumentException($"{pairCount} pairs have {2 * pairCount} members; the fitness span holds {fitnessLength}.", nameof(fitnessLength));
        }

        if (batch.Features != net.Inputs || batch.Rows < 1)
        {
            throw new ArgumentException($"The network takes {net.Inputs} inputs; the minibatch has {batch.Rows} rows of {batch.Features} features.", nameof(batch));
        }
    }
}
