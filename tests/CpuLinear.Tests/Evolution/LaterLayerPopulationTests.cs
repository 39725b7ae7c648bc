using System.CommandLine;
using System.Runtime.InteropServices;
using CommunityToolkit.HighPerformance;
using CpuLinear.Checkpoints;
using CpuLinear.Cli.Evolution;
using CpuLinear.Data;
using CpuLinear.Evolution;
using CpuLinear.Kernels;
using CpuLinear.Networks;
using CpuLinear.Populations;
using CpuLinear.Scoring;
using CpuLinear.Training;

namespace CpuLinear.Tests.Evolution;

/// <summary>Later-layer members (<see cref="LaterLayerNoise"/>) and block populations (<see cref="BlockNoise"/>).</summary>
public sealed class LaterLayerPopulationTests
{
    private static readonly NetworkArchitecture Small = new([6, 8, 5, 3]);
    private static readonly NetworkArchitecture Net = new([4, 24, 19, 2]);

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void Each_later_layer_members_fitness_equals_the_written_out_members_exactly(int rank)
    {
        // Every value is a small dyadic rational (and σ, √rank are powers of two), so no sum or product in either
        // evaluation order rounds: the shared-activation decomposition must then give the fitness of the written-out
        // member θ + σε on the plain forward pass bit for bit, dead zones (|v| < 0.5 in scaled units) included.
        const int rows = 9, pairs = 3;
        const float sigma = 0.5f;
        var random = new Random(11);
        float Dyadic(int steps, float step) => random.Next(-steps, steps + 1) * step;
        var theta = new NetworkParameters(Small, [.. Enumerable.Range(0, Small.ParameterCount).Select(_ => Dyadic(4, 0.25f))]);
        Minibatch batch = Batch(rows, Small.Inputs, Small.Outputs, random);

        var noise = new LaterLayerNoise(Small, rank, pairs, seed: 3);
        noise.Draw(2);
        // Replace the drawn normals by dyadic values in place (the layer-0 part stays 0, as drawn).
        Span<float> values = MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(noise.AllPairs), noise.AllPairs.Length);
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = values[i] == 0 ? 0 : Dyadic(4, 0.5f);
        }

        var generation = new GenerationRequest(2, sigma, 0.01f, noise);
        double[] fitness = new double[2 * pairs];
        using (var evaluator = new CpuPopulationEvaluator(new EngineSettings { MaxThreads = 1 }))
        {
            evaluator.Evaluate(theta, generation, batch, 0, pairs, fitness);
        }

        var engine = new EngineSettings { MaxThreads = 1 };
        bool deadZoneActed = false;
        for (int m = 0; m < 2 * pairs; m++)
        {
            NetworkParameters member = WrittenOut(theta, noise, m / 2, generation.ScaleOf(m));
            Assert.Equal(theta.Weights(0).ToArray(), member.Weights(0).ToArray());
            Assert.Equal(theta.Bias(0).ToArray(), member.Bias(0).ToArray());
            float[] logits = new float[rows * Small.Outputs];
            new FusedExecutor(engine).Forward(member, batch.Inputs, new Span2D<float>(logits, rows, Small.Outputs));
            double expected = -SoftmaxCrossEntropy.Evaluate(new ReadOnlySpan2D<float>(logits, rows, Small.Outputs), batch.Labels, Span2D<float>.Empty, 0f, out _) / rows;
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(fitness[m]));
            deadZoneActed |= SecondLayerHasFlushedProducts(member, batch, engine);
        }

        Assert.True(deadZoneActed, "some member's second-layer product should fall inside the dead zone");
        Assert.Equal(pairs * 2, fitness.Distinct().Count());
    }

    [Fact]
    public void A_later_layer_pair_draws_a_low_rank_pairs_later_noise_and_none_on_the_first_layer()
    {
        const int first = 5, pairs = 3;
        var lowRank = new LowRankNoise(Net, 2, first + pairs, seed: 4);
        var later = new LaterLayerNoise(Net, 2, pairs, seed: 4, firstPair: first);
        lowRank.Draw(7);
        later.Draw(7);
        LowRankNoiseLayout layout = later.Layout;
        for (int i = 0; i < pairs; i++)
        {
            ReadOnlySpan<float> mine = later.Pair(i), theirs = lowRank.Pair(first + i);
            Assert.All(mine[..layout.FactorA(1)].ToArray(), v => Assert.Equal(0f, v));
            Assert.All(mine[layout.BiasNoise(0)..layout.BiasNoise(1)].ToArray(), v => Assert.Equal(0f, v));
            Assert.Equal(theirs[layout.FactorA(1)..layout.BiasNoise(0)].ToArray(), mine[layout.FactorA(1)..layout.BiasNoise(0)].ToArray());
            Assert.Equal(theirs[layout.BiasNoise(1)..].ToArray(), mine[layout.BiasNoise(1)..].ToArray());
        }

        Assert.Equal(Net.WeightOffset(1), later.FirstPerturbedParameter);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void A_block_populations_pairs_have_the_bits_of_their_blocks_alone_for_any_range_split_and_thread_count(int units)
    {
        const int first = 4, later = 5, rows = 13;
        var random = new Random(3);
        var theta = NetworkParameters.Initialize(Net, 8);
        Minibatch batch = Batch(rows, Net.Inputs, Net.Outputs, random);
        var settings = new EvolutionSettings { Pairs = first, Rank = 2, FirstLayerUnits = units, LaterLayerPairs = later, Seed = 8 };
        var blocks = (BlockNoise)PopulationNoise.For(Net, settings);
        Assert.Equal(MemberKind.Blocks, blocks.Kind);
        Assert.Equal(first + later, blocks.Pairs);
        blocks.Draw(6);
        var generation = new GenerationRequest(6, 0.1f, 0.01f, blocks);

        string Whole(int threads)
        {
            using var evaluator = new CpuPopulationEvaluator(new EngineSettings { MaxThreads = threads });
            double[] fitness = new double[2 * blocks.Pairs];
            Assert.NotNull(evaluator.Evaluate(theta, generation, batch, 0, blocks.Pairs, fitness, scoreCentre: true));
            return Hex(fitness);
        }

        string one = Whole(1);
        Assert.Equal(one, Whole(2));
        Assert.Equal(one, Whole(3));

        // Ranges that cut the first block, straddle the boundary and cut the second block, on one evaluator.
        using (var evaluator = new CpuPopulationEvaluator(new EngineSettings { MaxThreads = 2 }))
        {
            double[] split = new double[2 * blocks.Pairs];
            int[] cuts = [0, 1, 6, 6, 9];
            for (int c = 0; c + 1 < cuts.Length; c++)
            {
                evaluator.Evaluate(theta, generation, batch, cuts[c], cuts[c + 1] - cuts[c], split.AsSpan(2 * cuts[c], 2 * (cuts[c + 1] - cuts[c])), scoreCentre: c == 2);
            }

            Assert.Equal(one, Hex(split));
        }

        // Each block evaluated as a population of its own kind gives the same bits.
        PopulationNoise alone = units > 0 ? new UnitSubsetNoise(Net, 2, units, first, 8) : new LowRankNoise(Net, 2, first, 8);
        var laterAlone = new LaterLayerNoise(Net, 2, later, 8, firstPair: first);
        alone.Draw(6);
        laterAlone.Draw(6);
        double[] parts = new double[2 * blocks.Pairs];
        using (var evaluator = new CpuPopulationEvaluator(new EngineSettings { MaxThreads = 2 }))
        {
            evaluator.Evaluate(theta, generation with { Noise = alone }, batch, 0, first, parts.AsSpan(0, 2 * first));
            evaluator.Evaluate(theta, generation with { Noise = laterAlone }, batch, 0, later, parts.AsSpan(2 * first));
        }

        Assert.Equal(one, Hex(parts));
    }

    [Fact]
    public void The_estimate_divides_each_parameter_by_the_pairs_that_perturb_it()
    {
        const int first = 3, later = 5;
        var blocks = new BlockNoise([new LowRankNoise(Net, 1, first, 2), new LaterLayerNoise(Net, 1, later, 2, firstPair: first)]);
        blocks.Draw(1);
        float[] differences = [.. Enumerable.Range(0, first + later).Select(j => ((j * 7) % 5 - 2) / 8f)];
        float[] gradient = new float[Net.ParameterCount];
        blocks.Estimate(differences, gradient);

        float[] firstPart = new float[Net.ParameterCount], laterPart = new float[Net.ParameterCount];
        blocks.Blocks[0].Combine(differences.AsSpan(0, first), firstPart);
        blocks.Blocks[1].Combine(differences.AsSpan(first), laterPart);
        int boundary = Net.WeightOffset(1);
        Assert.All(laterPart[..boundary], v => Assert.Equal(0f, v));
        float[] expected = new float[Net.ParameterCount];
        for (int i = 0; i < expected.Length; i++)
        {
            expected[i] = i < boundary ? firstPart[i] * (1f / (2 * first)) : (firstPart[i] + laterPart[i]) * (1f / (2 * (first + later)));
        }

        Assert.Equal(Hex(expected), Hex(gradient));
        Assert.Contains(gradient[..boundary], v => v != 0);

        // A plain kind's estimate is its combine with every pair weighted by d / (2·pairs), as before.
        var plain = new LowRankNoise(Net, 1, first, 2);
        plain.Draw(1);
        float[] weights = [.. differences.Take(first).Select(d => d * (1f / (2 * first)))];
        float[] combined = new float[Net.ParameterCount], estimated = new float[Net.ParameterCount];
        plain.Combine(weights, combined);
        plain.Estimate(differences.AsSpan(0, first), estimated);
        Assert.Equal(Hex(combined), Hex(estimated));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void A_block_run_is_the_same_bits_on_one_two_and_three_threads(int units)
    {
        using DatasetSplits data = Datasets.Load("parity4", new DatasetLoadOptions { Log = TextWriter.Null });
        EvolutionSettings settings = Settings() with { FirstLayerUnits = units };
        string one = EvolutionTestData.Hex(EvolutionTestData.Run(Net, settings, data.Train, 4, threads: 1).Parameters.Values);
        string two = EvolutionTestData.Hex(EvolutionTestData.Run(Net, settings, data.Train, 4, threads: 2).Parameters.Values);
        string three = EvolutionTestData.Hex(EvolutionTestData.Run(Net, settings, data.Train, 4, threads: 3).Parameters.Values);
        Assert.Equal(one, two);
        Assert.Equal(one, three);
        Assert.NotEqual(EvolutionTestData.Hex(NetworkParameters.Initialize(Net, settings.Seed).Values), one);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    public void A_block_run_resumed_from_a_checkpoint_file_ends_with_the_same_bits(int units)
    {
        using DatasetSplits data = Datasets.Load("parity4", new DatasetLoadOptions { Log = TextWriter.Null });
        EvolutionSettings settings = Settings() with { FirstLayerUnits = units };
        EvolutionTrainer straight = EvolutionTestData.Run(Net, settings, data.Train, 6, threads: 2);
        Assert.Equal(2 * settings.PopulationPairs, straight.Fitness.Length);

        EvolutionTrainer resumed = EvolutionTestData.ResumedThroughFile(Net, settings, data.Train, 3, 3, resumeThreads: 1);
        Assert.Equal(settings, resumed.Settings);
        Assert.Equal(EvolutionTestData.Hex(straight.Parameters.Values), EvolutionTestData.Hex(resumed.Parameters.Values));
        Assert.Equal(EvolutionTestData.Hex(straight.Optimizer.SecondMoment), EvolutionTestData.Hex(resumed.Optimizer.SecondMoment));
    }

    [Fact]
    public void Later_layer_pairs_alone_leave_the_first_layer_to_weight_decay()
    {
        // A LaterLayers population on its own (no first-layer block): W₁'s estimate is 0, so with λ = 0 the first
        // update leaves W₁ and b₁ exactly as they were while every later layer moves.
        using DatasetSplits data = Datasets.Load("parity4", new DatasetLoadOptions { Log = TextWriter.Null });
        var initial = NetworkParameters.Initialize(Net, 5);
        var theta = initial.Clone();
        EvolutionSettings settings = Settings() with { Pairs = 4, LaterLayerPairs = 0, WeightDecay = 0 };
        var strategy = new EvolutionStrategy(theta.Values, settings, new LaterLayerNoise(Net, settings.Rank, settings.Pairs, settings.Seed));
        using var evaluator = new CpuPopulationEvaluator(new EngineSettings { MaxThreads = 2 });
        var batch = new Minibatch();
        new EvolutionMinibatches(settings.BatchSize, settings.Seed).Gather(data.Train, 0, batch);
        GenerationRequest generation = strategy.Ask();
        double[] fitness = new double[strategy.PopulationSize];
        evaluator.Evaluate(theta, generation, batch, 0, generation.Pairs, fitness);
        strategy.Tell(fitness);
        Assert.Equal(initial.Weights(0).ToArray(), theta.Weights(0).ToArray());
        Assert.Equal(initial.Bias(0).ToArray(), theta.Bias(0).ToArray());
        Assert.NotEqual(initial.Weights(1).ToArray(), theta.Weights(1).ToArray());
        Assert.NotEqual(initial.Bias(2).ToArray(), theta.Bias(2).ToArray());
    }

    [Fact]
    public void Bad_settings_a_single_layer_network_and_a_compute_backend_are_refused_with_clear_errors()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => (Settings() with { LaterLayerPairs = -1 }).Validate());
        Assert.Contains("Later-layer pairs", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ArgumentException>(() => (Settings() with { Rank = 0 }).Validate());
        Assert.Contains("rank ≥ 1", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => (Settings() with { Pairs = int.MaxValue / 2, LaterLayerPairs = 2 }).Validate());
        error = Assert.Throws<ArgumentException>(() => new LaterLayerNoise(new NetworkArchitecture([4, 2]), 1, 1, 1));
        Assert.Contains("at least two layers", error.Message, StringComparison.Ordinal);

        using var backend = new Backends.CpuBackend();
        using var onBackend = new BackendPopulationEvaluator(backend);
        Assert.False(onBackend.Supports(MemberKind.LaterLayers));
        Assert.False(onBackend.Supports(MemberKind.Blocks));
        error = Assert.Throws<ArgumentException>(() => new EvolutionTrainer(NetworkParameters.Initialize(Net, 1), Settings(), evaluator: onBackend));
        Assert.Contains("CPU engine only", error.Message, StringComparison.Ordinal);

        var noise = new LaterLayerNoise(Net, 1, 2, 1);
        noise.Draw(0);
        Minibatch batch = Batch(3, Net.Inputs, Net.Outputs, new Random(1));
        var refused = Assert.Throws<NotSupportedException>(
            () => onBackend.Evaluate(NetworkParameters.Initialize(Net, 1), new GenerationRequest(0, 0.1f, 0.01f, noise), batch, 0, 2, new double[4]));
        Assert.Contains("only the layers after the first", refused.Message, StringComparison.Ordinal);
        Assert.Contains("CPU engine only", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_setting_is_stored_in_checkpoints_absent_means_none_and_junk_is_an_error()
    {
        var trainer = new EvolutionTrainer(NetworkParameters.Initialize(Net, 5), Settings());
        Checkpoint written = EvolutionCheckpoint.Capture(trainer);
        Assert.Equal(6, EvolutionCheckpoint.SettingsOf(written).LaterLayerPairs);

        var extra = new Dictionary<string, string>(written.Extra);
        extra.Remove("es_later_layer_pairs");
        Assert.Equal(0, EvolutionCheckpoint.SettingsOf(written with { Extra = extra }).LaterLayerPairs);

        foreach (string junk in new[] { "six", "-1", "" })
        {
            extra["es_later_layer_pairs"] = junk;
            ArgumentException error = Assert.Throws<ArgumentException>(() => EvolutionCheckpoint.SettingsOf(written with { Extra = extra }));
            Assert.Contains($"'es_later_layer_pairs' must be a non-negative integer; found '{junk}'", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_train_option_sets_the_later_layer_pairs_and_defaults_to_none()
    {
        var options = new EvolutionOptions();
        var command = new RootCommand();
        options.AddTo(command);
        Assert.Equal(0, options.Read(command.Parse([]), 1).LaterLayerPairs);
        EvolutionSettings settings = options.Read(command.Parse(["--later-layer-pairs", "32", "--pairs", "16"]), 1);
        Assert.Equal(32, settings.LaterLayerPairs);
        Assert.Equal(48, settings.PopulationPairs);
        Assert.Throws<ArgumentException>(() => options.Read(command.Parse(["--later-layer-pairs", "8", "--rank", "0"]), 1));
    }

    private static EvolutionSettings Settings() => new()
    {
        Pairs = 5, LaterLayerPairs = 6, BatchSize = 7, Generations = 20, Rank = 1, Seed = 5,
        SigmaInitial = 0.1f, SigmaFinal = 0.05f, LearningRateInitial = 0.03f, LearningRateFinal = 0.01f,
    };

    private static Minibatch Batch(int rows, int features, int classes, Random random)
    {
        var batch = new Minibatch();
        batch.Reset(rows, features, out Span<float> inputs, out Span<byte> labels);
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = random.Next(0, 3) * 0.5f;
        }

        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = (byte)random.Next(classes);
        }

        return batch;
    }

    // θ + sε with every later layer written out: b' = b + s·ε_b and W' = W + (s/√r)·A·B, independently of the
    // library's own member writer.
    private static NetworkParameters WrittenOut(NetworkParameters theta, LaterLayerNoise noise, int pair, float scale)
    {
        NetworkParameters member = theta.Clone();
        ReadOnlySpan<float> pairNoise = noise.Pair(pair);
        LowRankNoiseLayout layout = noise.Layout;
        int rank = noise.Rank;
        float factorScale = scale / MathF.Sqrt(rank);
        for (int l = 1; l < Small.LayerCount; l++)
        {
            int fanIn = Small.Widths[l], fanOut = Small.Widths[l + 1];
            FusedMultiplyAdd.Accumulate(member.Bias(l), pairNoise.Slice(layout.BiasNoise(l), fanOut), scale);
            ReadOnlySpan<float> a = pairNoise.Slice(layout.FactorA(l), fanIn * rank), b = pairNoise.Slice(layout.FactorB(l), rank * fanOut);
            Span<float> w = member.Weights(l);
            for (int i = 0; i < fanIn; i++)
            {
                for (int t = 0; t < rank; t++)
                {
                    FusedMultiplyAdd.Accumulate(w.Slice(i * fanOut, fanOut), b.Slice(t * fanOut, fanOut), factorScale * a[(i * rank) + t]);
                }
            }
        }

        return member;
    }

    // Whether the member's raw second-layer product has a value the dead zone flushes (0 < |v| < T).
    private static bool SecondLayerHasFlushedProducts(NetworkParameters member, Minibatch batch, EngineSettings engine)
    {
        int rows = batch.Rows, width = Small.Widths[1], next = Small.Widths[2];
        float[] first = new float[rows * width], second = new float[rows * next], product = new float[rows * next], bias = new float[width];
        FusedExecutor.Layer(member, 0, batch.Inputs, new Span2D<float>(first, rows, width), bias, Span2D<float>.Empty, engine);
        FusedExecutor.Layer(
            member, 1, new ReadOnlySpan2D<float>(first, rows, width), new Span2D<float>(second, rows, next), bias,
            new Span2D<float>(product, rows, next), engine);
        float threshold = Small.DeadZoneThreshold;
        return product.Any(v => v != 0 && MathF.Abs(v) < threshold);
    }

    private static string Hex(ReadOnlySpan<double> values) =>
        string.Concat(values.ToArray().Select(v => BitConverter.DoubleToInt64Bits(v).ToString("x16", System.Globalization.CultureInfo.InvariantCulture)));

    private static string Hex(ReadOnlySpan<float> values) => EvolutionTestData.Hex(values);
}
