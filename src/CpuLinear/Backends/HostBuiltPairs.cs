using CommunityToolkit.HighPerformance;
using CpuLinear.Evolution;
using CpuLinear.Networks;
using CpuLinear.Scoring;
using CpuLinear.Training;

namespace CpuLinear.Backends;

/// <summary>
/// <see cref="IComputeBackend.EvaluateLowRankPairs"/> by definition: the members written out on the host
/// (<see cref="LowRankNoiseLayout.WriteMember"/>), then <see cref="IComputeBackend.EvaluateLowRankPopulation"/>,
/// in chunks of pairs whose member vectors take at most about 64 MiB.
/// </summary>
internal static class HostBuiltPairs
{
    public static void Evaluate(
        IComputeBackend backend, NetworkParameters centre, LowRankNoiseLayout layout, ReadOnlySpan<float> pairNoise, float sigma,
        ReadOnlySpan2D<float> inputs, ReadOnlySpan<byte> labels, Span<EvaluationResult> results)
    {
        int pairs = BackendArguments.ValidatePairs(centre, layout, pairNoise.Length, results.Length);
        NetworkArchitecture net = centre.Architecture;
        int count = net.ParameterCount, rank = layout.Rank, length = layout.Length;
        int aLength = net.Inputs * rank, bLength = rank * net.Widths[1];
        int chunk = (int)Math.Clamp((16L << 20) / (2L * count), 1, Math.Max(pairs, 1));
        var members = new float[2 * chunk * count];
        var factorsA = new float[chunk * aLength];
        var factorsB = new float[chunk * bLength];
        var scales = new float[2 * chunk];
        float factorScale = sigma / MathF.Sqrt(rank);
        int firstWeights = net.WeightOffset(0), firstLength = net.Inputs * net.Widths[1];
        for (int first = 0; first < pairs; first += chunk)
        {
            int size = Math.Min(chunk, pairs - first);
            for (int i = 0; i < size; i++)
            {
                ReadOnlySpan<float> noise = pairNoise.Slice((first + i) * length, length);
                noise.Slice(layout.FactorA(0), aLength).CopyTo(factorsA.AsSpan(i * aLength));
                noise.Slice(layout.FactorB(0), bLength).CopyTo(factorsB.AsSpan(i * bLength));
                for (int s = 0; s < 2; s++)
                {
                    // WriteMember writes every bias and every later weight matrix; the first layer's weights are θ's.
                    Span<float> values = members.AsSpan(((2 * i) + s) * count, count);
                    centre.Values.AsSpan(firstWeights, firstLength).CopyTo(values.Slice(firstWeights, firstLength));
                    layout.WriteMember(centre.Values, noise, s == 0 ? sigma : -sigma, values);
                    scales[(2 * i) + s] = s == 0 ? factorScale : -factorScale;
                }
            }

            backend.EvaluateLowRankPopulation(
                centre, members.AsSpan(0, 2 * size * count), rank, factorsA.AsSpan(0, size * aLength), factorsB.AsSpan(0, size * bLength),
                scales.AsSpan(0, 2 * size), 2, inputs, labels, results.Slice(2 * first, 2 * size));
        }
    }
}
