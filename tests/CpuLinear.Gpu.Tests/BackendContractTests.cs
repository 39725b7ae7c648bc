using CommunityToolkit.HighPerformance;
using CpuLinear.Backends;
using CpuLinear.Evolution;
using CpuLinear.Networks;
using CpuLinear.Scoring;
using CpuLinear.Training;

namespace CpuLinear.Gpu.Tests;

/// <summary>
/// The contract every <see cref="IComputeBackend"/> keeps, run against each backend by a subclass: GEMM equals
/// the plain FMA chain at sizes that hit every remainder, the dead zones behave as flush-to-zero does, and the
/// forward pass, loss and population evaluation equal the CPU engine's bits.
/// </summary>
public abstract class BackendContractTests(IComputeBackend backend)
{
    /// <summary>The paper's network; the ILGPU CPU accelerator is slow, so batches stay at 8 rows or fewer.</summary>
    private static readonly NetworkArchitecture Paper = NetworkArchitecture.Default;

    /// <summary>A small network with odd widths for population tests.</summary>
    private static readonly NetworkArchitecture Small = new([37, 23, 19, 10]);

    protected IComputeBackend Backend { get; } = backend;

    public static TheoryData<int, int, int> GemmSizes => new()
    {
        { 1, 1, 1 }, { 5, 7, 3 }, { 7, 5, 31 }, { 1, 33, 65 }, { 31, 33, 65 }, { 33, 31, 257 },
        { 13, 65, 300 }, { 65, 1, 17 }, { 3, 67, 259 }, { 2, 3, 0 }, { 0, 4, 5 }, { 4, 0, 5 },
        { 129, 131, 35 }, { 64, 128, 16 }, // several 64 x 64 device tiles each way, and exact tile and k-slice multiples
    };

    [Theory]
    [MemberData(nameof(GemmSizes))]
    public void Gemm_without_epilogue_is_one_fma_chain_per_element(int m, int n, int k)
    {
        float[] a = Seeded.WideRange(m * k, 11), b = Seeded.WideRange(k * n, 12);
        var c = new float[m * n];
        Backend.Gemm(m, n, k, a, b, [], 0f, 0f, c);
        Reference.SameBits(Reference.Gemm(m, n, k, a, b, null, 0f, 0f), c, $"{Backend.Kind} GEMM {m}x{n}x{k}");
    }

    [Theory]
    [MemberData(nameof(GemmSizes))]
    public void Gemm_with_bias_and_dead_zones_matches_the_reference(int m, int n, int k)
    {
        float[] a = Seeded.WideRange(m * k, 21), b = Seeded.WideRange(k * n, 22), bias = Seeded.Uniform(n, 23, -1f, 1f);
        var c = new float[m * n];
        Backend.Gemm(m, n, k, a, b, bias, 0.25f, 0.5f, c);
        Reference.SameBits(Reference.Gemm(m, n, k, a, b, bias, 0.25f, 0.5f), c, $"{Backend.Kind} GEMM+epilogue {m}x{n}x{k}");
    }

    [Fact]
    public void Gemm_fuses_each_multiply_add()
    {
        // (1 + 2^-23)^2 = 1 + 2^-22 + 2^-46: a fused chain keeps the 2^-46 that a separate rounding of the
        // product loses, so the sum with -1 - 2^-22 is 2^-46 fused and 0 unfused.
        float x = 1f + MathF.ScaleB(1f, -23);
        var c = new float[1];
        Backend.Gemm(1, 1, 2, [1f, x], [-1f - MathF.ScaleB(1f, -22), x], [], 0f, 0f, c);
        Assert.Equal(MathF.ScaleB(1f, -46), c[0]);
    }

    [Fact]
    public void Gemm_keeps_subnormal_partial_sums()
    {
        // Products near 2^-140 are subnormal: an FMA that flushed (device FTZ) would return zeros here.
        const int m = 3, n = 5, k = 33;
        float[] a = Seeded.WideRange(m * k, 31, MathF.ScaleB(1f, -70)), b = Seeded.WideRange(k * n, 32, MathF.ScaleB(1f, -70));
        var c = new float[m * n];
        Backend.Gemm(m, n, k, a, b, [], 0f, 0f, c);
        float[] expected = Reference.Gemm(m, n, k, a, b, null, 0f, 0f);
        Assert.Contains(expected, v => v != 0 && float.IsSubnormal(v));
        Reference.SameBits(expected, c, $"{Backend.Kind} subnormal GEMM");
    }

    [Fact]
    public void Missing_bias_is_not_a_zero_bias()
    {
        // The chain starts at +0, so only the dead zone makes a -0 (D_in(-0.1) = -0). It stays -0 without a
        // bias; adding a +0 bias makes it +0. Both backends must tell the two apart.
        var noBias = new float[1];
        var zeroBias = new float[1];
        Backend.Gemm(1, 1, 1, [-0.1f], [1f], [], 0.25f, 0f, noBias);
        Backend.Gemm(1, 1, 1, [-0.1f], [1f], [0f], 0.25f, 0f, zeroBias);
        Assert.Equal(0f, noBias[0]);
        Assert.True(float.IsNegative(noBias[0]));
        Assert.False(float.IsNegative(zeroBias[0]));
    }

    [Fact]
    public void Dead_zone_keeps_sign_nan_and_infinity()
    {
        float[] values = [0.49f, -0.49f, 0.5f, -0.5f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, float.Epsilon, 3f];
        float[] expected = values.Select(v => Reference.DeadZone(v, 0.5f)).ToArray();
        Backend.DeadZone(values, 0.5f);
        Reference.SameBits(expected, values, $"{Backend.Kind} dead zone");
        Assert.True(float.IsNegative(values[1]) && values[1] == 0);
    }

    [Fact]
    public void Add_bias_dead_zone_matches_the_reference_on_odd_rows()
    {
        const int rows = 7, columns = 13;
        float[] values = Seeded.Uniform(rows * columns, 41, -1.5f, 1.5f), bias = Seeded.Uniform(columns, 42, -1f, 1f);
        float[] expected = values.Select((v, i) => Reference.DeadZone(Reference.DeadZone(v, 0.25f) + bias[i % columns], 0.5f)).ToArray();
        Backend.AddBiasDeadZone(values, bias, 0.25f, 0.5f);
        Reference.SameBits(expected, values, $"{Backend.Kind} bias add");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public void Forward_of_the_paper_network_equals_the_cpu_fused_executor(int batch)
    {
        NetworkParameters parameters = Seeded.Network(Paper, 7);
        float[] pixels = Seeded.Uniform(batch * Paper.Inputs, 8, 0f, 1f);
        var expected = new float[batch * Paper.Outputs];
        var actual = new float[batch * Paper.Outputs];
        new FusedExecutor().Forward(parameters, new ReadOnlySpan2D<float>(pixels, batch, Paper.Inputs), new Span2D<float>(expected, batch, Paper.Outputs));
        Backend.Forward(parameters, new ReadOnlySpan2D<float>(pixels, batch, Paper.Inputs), new Span2D<float>(actual, batch, Paper.Outputs));
        Assert.Contains(expected, v => v != 0);
        Reference.SameBits(expected, actual, $"{Backend.Kind} forward, batch {batch}");
    }

    [Fact]
    public void Batch_loss_equals_the_cpu_loss_bit_for_bit()
    {
        const int batch = 6;
        NetworkParameters parameters = Seeded.Network(Paper, 9);
        float[] pixels = Seeded.Uniform(batch * Paper.Inputs, 10, 0f, 1f);
        byte[] labels = Seeded.Labels(batch, 10, 11);
        var logits = new float[batch * Paper.Outputs];
        new FusedExecutor().Forward(parameters, new ReadOnlySpan2D<float>(pixels, batch, Paper.Inputs), new Span2D<float>(logits, batch, Paper.Outputs));
        double total = SoftmaxCrossEntropy.Evaluate(new ReadOnlySpan2D<float>(logits, batch, Paper.Outputs), labels, Span2D<float>.Empty, 0f, out int correct);

        EvaluationResult result = Backend.EvaluateBatch(parameters, new ReadOnlySpan2D<float>(pixels, batch, Paper.Inputs), labels);

        Assert.Equal(BitConverter.DoubleToUInt64Bits(total / batch), BitConverter.DoubleToUInt64Bits(result.Loss));
        Assert.Equal((double)correct / batch, result.Accuracy);
        Assert.Equal(batch, result.Count);
    }

    [Fact]
    public void Population_of_vectors_equals_one_evaluation_per_member()
    {
        const int population = 5, batch = 7;
        float[] members = Enumerable.Range(0, population).SelectMany(p => Seeded.Network(Small, 50 + (ulong)p).Values).ToArray();
        float[] pixels = Seeded.Uniform(batch * Small.Inputs, 60, 0f, 1f);
        byte[] labels = Seeded.Labels(batch, 10, 61);
        var results = new EvaluationResult[population];
        Backend.EvaluatePopulation(Small, members, new ReadOnlySpan2D<float>(pixels, batch, Small.Inputs), labels, results);

        using var reference = new CpuBackend();
        for (int p = 0; p < population; p++)
        {
            var member = new NetworkParameters(Small, members.AsSpan(p * Small.ParameterCount, Small.ParameterCount).ToArray());
            EvaluationResult expected = reference.EvaluateBatch(member, new ReadOnlySpan2D<float>(pixels, batch, Small.Inputs), labels);
            Assert.Equal(BitConverter.DoubleToUInt64Bits(expected.Loss), BitConverter.DoubleToUInt64Bits(results[p].Loss));
            Assert.Equal(expected.Accuracy, results[p].Accuracy);
        }

        Assert.True(results.Select(r => r.Loss).Distinct().Count() > 1, "distinct members should have distinct losses");
    }

    [Fact]
    public void Population_of_perturbations_evaluates_base_plus_perturbation()
    {
        const int population = 4, batch = 3;
        NetworkParameters centre = Seeded.Network(Small, 70);
        float[] perturbations = Seeded.Perturbations(Small, population, 71, 0.01f);
        float[] pixels = Seeded.Uniform(batch * Small.Inputs, 72, 0f, 1f);
        byte[] labels = Seeded.Labels(batch, 10, 73);
        var results = new EvaluationResult[population];
        Backend.EvaluatePopulation(centre, perturbations, new ReadOnlySpan2D<float>(pixels, batch, Small.Inputs), labels, results);

        using var reference = new CpuBackend();
        for (int p = 0; p < population; p++)
        {
            float[] member = centre.Values.Select((v, i) => v + perturbations[(p * Small.ParameterCount) + i]).ToArray();
            EvaluationResult expected = reference.EvaluateBatch(new NetworkParameters(Small, member), new ReadOnlySpan2D<float>(pixels, batch, Small.Inputs), labels);
            Assert.Equal(BitConverter.DoubleToUInt64Bits(expected.Loss), BitConverter.DoubleToUInt64Bits(results[p].Loss));
        }
    }

    [Fact]
    public void Population_rejects_a_partial_parameter_vector()
    {
        var results = new EvaluationResult[1];
        var pixels = new float[Small.Inputs];
        Assert.Throws<ArgumentException>(() =>
            Backend.EvaluatePopulation(Small, new float[Small.ParameterCount + 1], new ReadOnlySpan2D<float>(pixels, 1, Small.Inputs), new byte[1], results));
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(2, 2)]
    public void Low_rank_pairs_equal_members_written_out_by_hand(int rank, int pairs)
    {
        const int batch = 5;
        const float sigma = 0.25f;
        NetworkParameters centre = Seeded.Network(Small, 80);
        var layout = new LowRankNoiseLayout(Small, rank);
        float[] noise = Seeded.WideRange(pairs * layout.Length, 81);
        float[] pixels = Seeded.Uniform(batch * Small.Inputs, 82, 0f, 1f);
        byte[] labels = Seeded.Labels(batch, 10, 83);
        var inputs = new ReadOnlySpan2D<float>(pixels, batch, Small.Inputs);
        var results = new EvaluationResult[2 * pairs];
        Backend.EvaluateLowRankPairs(centre, layout, noise, sigma, inputs, labels, results);

        // The same members, each weight and bias written with its own FMA here, through EvaluateLowRankPopulation.
        int count = Small.ParameterCount, aLength = Small.Inputs * rank, bLength = rank * Small.Widths[1];
        var members = new float[2 * pairs * count];
        var factorsA = new float[pairs * aLength];
        var factorsB = new float[pairs * bLength];
        var scales = new float[2 * pairs];
        for (int j = 0; j < pairs; j++)
        {
            int pair = j * layout.Length;
            Array.Copy(noise, pair + layout.FactorA(0), factorsA, j * aLength, aLength);
            Array.Copy(noise, pair + layout.FactorB(0), factorsB, j * bLength, bLength);
            for (int s = 0; s < 2; s++)
            {
                float scale = s == 0 ? sigma : -sigma, factorScale = scale / MathF.Sqrt(rank);
                int m = (2 * j) + s;
                scales[m] = factorScale;
                float[] member = (float[])centre.Values.Clone();
                for (int l = 0; l < Small.LayerCount; l++)
                {
                    int fanIn = Small.Widths[l], fanOut = Small.Widths[l + 1];
                    for (int c = 0; c < fanOut; c++)
                    {
                        int at = Small.BiasOffset(l) + c;
                        member[at] = MathF.FusedMultiplyAdd(noise[pair + layout.BiasNoise(l) + c], scale, member[at]);
                    }

                    for (int i = 0; l > 0 && i < fanIn; i++)
                    {
                        for (int c = 0; c < fanOut; c++)
                        {
                            int at = Small.WeightOffset(l) + (i * fanOut) + c;
                            for (int t = 0; t < rank; t++)
                            {
                                float product = factorScale * noise[pair + layout.FactorA(l) + (i * rank) + t];
                                member[at] = MathF.FusedMultiplyAdd(product, noise[pair + layout.FactorB(l) + (t * fanOut) + c], member[at]);
                            }
                        }
                    }
                }

                member.CopyTo(members, m * count);
            }
        }

        using var reference = new CpuBackend();
        var expected = new EvaluationResult[2 * pairs];
        reference.EvaluateLowRankPopulation(centre, members, rank, factorsA, factorsB, scales, 2, inputs, labels, expected);
        Assert.Equal(expected.Select(r => BitConverter.DoubleToUInt64Bits(r.Loss)), results.Select(r => BitConverter.DoubleToUInt64Bits(r.Loss)));
        Assert.Equal(expected.Select(r => r.Accuracy), results.Select(r => r.Accuracy));
        Assert.True(results.Select(r => r.Loss).Distinct().Count() == 2 * pairs, "every member should have its own loss");
    }

    [Fact]
    public void Low_rank_pairs_reject_noise_that_is_not_whole_pairs()
    {
        NetworkParameters centre = Seeded.Network(Small, 90);
        var layout = new LowRankNoiseLayout(Small, 1);
        var pixels = new float[Small.Inputs];
        ArgumentException error = Assert.Throws<ArgumentException>(() => Backend.EvaluateLowRankPairs(
            centre, layout, new float[layout.Length + 1], 0.1f, new ReadOnlySpan2D<float>(pixels, 1, Small.Inputs), new byte[1], new EvaluationResult[2]));
        Assert.Contains("whole pairs", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Backend.EvaluateLowRankPairs(
            centre, new LowRankNoiseLayout(Paper, 1), new float[0], 0.1f, new ReadOnlySpan2D<float>(pixels, 1, Small.Inputs), new byte[1], []));
    }
}
