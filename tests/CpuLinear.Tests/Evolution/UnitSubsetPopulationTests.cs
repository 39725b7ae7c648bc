using CommunityToolkit.HighPerformance;
using CpuLinear.Evolution;
using CpuLinear.Kernels;
using CpuLinear.Networks;
using CpuLinear.Populations;
using CpuLinear.Simd;

namespace CpuLinear.Tests.Evolution;

public sealed class UnitSubsetPopulationTests
{
    private static readonly NetworkArchitecture Net = new([6, 8, 5, 3]);

    [Theory]
    [InlineData(1, +1)]
    [InlineData(1, -1)]
    [InlineData(4, +1)]
    [InlineData(4, -1)]
    public void The_second_layer_from_shared_activations_equals_the_materialised_member_exactly(int rank, int sign)
    {
        // Every value is a small dyadic rational (and √rank, √(width/k) are powers of two), so no sum or
        // product in either evaluation order rounds: the shared-activation decomposition must then give the
        // materialised member's bits exactly, dead zones included.
        const int rows = 9, units = 2, width = 8, next = 5;
        var random = new Random(7);
        float Dyadic(int steps, float step) => random.Next(-steps, steps + 1) * step;
        var theta = new NetworkParameters(Net, [.. Enumerable.Range(0, Net.ParameterCount).Select(_ => Dyadic(4, 0.25f))]);
        float[] x = [.. Enumerable.Range(0, rows * Net.Inputs).Select(_ => random.Next(0, 3) * 0.5f)];
        float[] firstA = [.. Enumerable.Range(0, Net.Inputs * rank).Select(_ => Dyadic(4, 0.5f))];
        float[] firstB = [.. Enumerable.Range(0, rank * width).Select(_ => Dyadic(4, 0.5f))];
        float[] firstBiasNoise = [.. Enumerable.Range(0, width).Select(_ => Dyadic(4, 0.5f))];
        float[] secondA = [.. Enumerable.Range(0, width * rank).Select(_ => Dyadic(4, 0.5f))];
        float[] secondB = [.. Enumerable.Range(0, rank * next).Select(_ => Dyadic(4, 0.5f))];
        float[] secondBiasNoise = [.. Enumerable.Range(0, next).Select(_ => Dyadic(4, 0.5f))];
        const float sigma = 0.5f;
        float factorScale = sign * sigma / MathF.Sqrt(rank);

        var subsets = new UnitSubsets(Net, rank, units);
        var population = new UnitSubsetMembers(Net, rank, units);
        var scratch = new UnitSubsetMembers.MemberScratch(Net, rank);
        int[] chosen = new int[units];
        subsets.ChooseUnits(11, 3, 5, new int[width], chosen);
        subsets.MaskFirstLayerNoise(firstB, firstBiasNoise, chosen, new float[width]);

        // The member, written out: biases + sσ·noise, W₁ + c·A₁·B₁ (B₁ masked), W₂ + c·A₂·B₂.
        NetworkParameters member = theta.Clone();
        AddBiasNoise(member.Values.AsSpan(Net.BiasOffset(0), width), firstBiasNoise, sign * sigma);
        AddBiasNoise(member.Values.AsSpan(Net.BiasOffset(1), next), secondBiasNoise, sign * sigma);
        AddOuterProduct(member.Values.AsSpan(Net.WeightOffset(0), Net.Inputs * width), firstA, firstB, rank, factorScale);
        AddOuterProduct(member.Values.AsSpan(Net.WeightOffset(1), width * next), secondA, secondB, rank, factorScale);
        var engine = new EngineSettings { MaxThreads = 1 };
        var inputs = new ReadOnlySpan2D<float>(x, rows, Net.Inputs);
        float[] first = new float[rows * width], expected = new float[rows * next], bias = new float[width];
        FusedExecutor.Layer(member, 0, inputs, new Span2D<float>(first, rows, width), bias, Span2D<float>.Empty, engine);
        FusedExecutor.Layer(member, 1, new ReadOnlySpan2D<float>(first, rows, width), new Span2D<float>(expected, rows, next), bias, Span2D<float>.Empty, engine);

        population.Prepare(theta, inputs, engine);
        float[] inputProjection = new float[rows * rank], activationProjection = new float[rows * rank], actual = new float[rows * next];
        Gemm.Multiply(inputs, new ReadOnlySpan2D<float>(firstA, Net.Inputs, rank), new Span2D<float>(inputProjection, rows, rank), engine);
        Gemm.Multiply(population.FirstActivation(rows), new ReadOnlySpan2D<float>(secondA, width, rank), new Span2D<float>(activationProjection, rows, rank), engine);
        population.SecondLayer(
            theta, member, chosen, inputProjection, activationProjection, firstB, secondA, secondB, factorScale, scratch,
            new Span2D<float>(actual, rows, next), KernelRegistry.Selected);

        Assert.Equal(EvolutionTestData.Hex(expected), EvolutionTestData.Hex(actual));
        Assert.Contains(expected, v => v != 0);
        Assert.Contains(first, v => v == 0);
    }

    [Fact]
    public void Each_pair_draws_its_own_distinct_increasing_units_as_a_pure_function_of_seed_generation_and_pair()
    {
        var population = new UnitSubsets(NetworkArchitecture.Default, 1, 16);
        int[] order = new int[512];
        int[] Draw(ulong seed, long g, int pair)
        {
            int[] units = new int[16];
            population.ChooseUnits(seed, g, pair, order, units);
            return units;
        }

        int[] a = Draw(1, 10, 3);
        Assert.Equal(a, Draw(1, 10, 3));
        Assert.Equal(16, a.Distinct().Count());
        Assert.Equal(a.Order(), a);
        Assert.All(a, u => Assert.InRange(u, 0, 511));
        Assert.NotEqual(a, Draw(1, 10, 4));
        Assert.NotEqual(a, Draw(1, 11, 3));
        Assert.NotEqual(a, Draw(2, 10, 3));

        // Over many pairs every unit is drawn about equally often (16/512 of the pairs each).
        var counts = new int[512];
        for (int pair = 0; pair < 4096; pair++)
        {
            foreach (int u in Draw(1, 0, pair))
            {
                counts[u]++;
            }
        }

        Assert.InRange(counts.Min(), 128 - 50, 128);
        Assert.InRange(counts.Max(), 128, 128 + 50);
    }

    [Fact]
    public void Masking_keeps_the_noise_on_the_units_scaled_to_unit_variance_and_zeroes_the_rest()
    {
        var population = new UnitSubsets(Net, 2, 2);
        float[] b = [.. Enumerable.Range(1, 16).Select(i => (float)i)];
        float[] bias = [.. Enumerable.Range(1, 8).Select(i => -(float)i)];
        int[] units = [1, 6];
        population.MaskFirstLayerNoise(b, bias, units, new float[8]);
        // √(8 / 2) = 2.
        Assert.Equal([0, 4, 0, 0, 0, 0, 14, 0, 0, 20, 0, 0, 0, 0, 30, 0], b);
        Assert.Equal([0, -4, 0, 0, 0, 0, -14, 0], bias);
    }

    [Fact]
    public void A_single_layer_network_is_rejected_with_a_clear_error()
    {
        var error = Assert.Throws<ArgumentException>(() => new UnitSubsets(new NetworkArchitecture([4, 2]), 1, 1));
        Assert.Contains("at least two layers", error.Message, StringComparison.Ordinal);
    }

    private static void AddBiasNoise(Span<float> bias, ReadOnlySpan<float> noise, float scale) =>
        FusedMultiplyAdd.Accumulate(bias, noise, scale);

    private static void AddOuterProduct(Span<float> weights, ReadOnlySpan<float> a, ReadOnlySpan<float> b, int rank, float scale)
    {
        int fanOut = b.Length / rank;
        for (int i = 0; i < weights.Length / fanOut; i++)
        {
            for (int t = 0; t < rank; t++)
            {
                FusedMultiplyAdd.Accumulate(weights.Slice(i * fanOut, fanOut), b.Slice(t * fanOut, fanOut), scale * a[(i * rank) + t]);
            }
        }
    }
}
