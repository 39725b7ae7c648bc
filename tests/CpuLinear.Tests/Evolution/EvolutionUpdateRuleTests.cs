using CommunityToolkit.HighPerformance;
using CpuLinear.Checkpoints;
using CpuLinear.Data;
using CpuLinear.Evolution;
using CpuLinear.Networks;
using CpuLinear.Optimization;
using CpuLinear.Populations;
using CpuLinear.Scoring;
using CpuLinear.Training;

namespace CpuLinear.Tests.Evolution;

/// <summary>
/// The update rules a run can choose instead of OpenAI-ES's defaults (plain SGD, z-scored pair differences,
/// decoupled decay, a separate noise seed, a fitness temperature): each written out by hand against one Tell, each
/// deterministic across threads and through a checkpoint.
/// </summary>
public sealed class EvolutionUpdateRuleTests
{
    private static readonly NetworkArchitecture Net = new([4, 24, 19, 2]);

    // Fitnesses with ties and distinct gaps, so ranks and z-scores give visibly different weights.
    private static readonly double[] Fitness = [0.3, -1.2, 2.5, 2.5, -0.7, 0.1, 4.0, -3.0];

    [Fact]
    public void Sgd_steps_by_the_learning_rate_times_the_direction_with_l2_in_it()
    {
        var settings = Settings() with { Optimizer = EvolutionOptimizer.Sgd, WeightDecay = 0.25f };
        (float[] before, float[] after, float[] estimate, GenerationRequest asked) = OneTell(settings, RankWeights);
        for (int i = 0; i < before.Length; i++)
        {
            float expected = before[i] - (asked.LearningRate * ((settings.WeightDecay * before[i]) - estimate[i]));
            Assert.Equal(BitConverter.SingleToUInt32Bits(expected), BitConverter.SingleToUInt32Bits(after[i]));
        }
    }

    [Fact]
    public void Z_scored_differences_weigh_each_pair_by_its_standardised_fitness_gap()
    {
        var settings = Settings() with { Optimizer = EvolutionOptimizer.Sgd, Shaping = FitnessShaping.ZScoredDifferences, WeightDecay = 0 };
        (float[] before, float[] after, float[] estimate, GenerationRequest asked) = OneTell(settings, ZScoreWeights);
        for (int i = 0; i < before.Length; i++)
        {
            float expected = before[i] - (asked.LearningRate * -estimate[i]);
            Assert.Equal(BitConverter.SingleToUInt32Bits(expected), BitConverter.SingleToUInt32Bits(after[i]));
        }

        // The z-weights differ from the rank weights: the choice is not a no-op.
        Assert.NotEqual(RankWeights(Fitness), ZScoreWeights(Fitness));
    }

    [Fact]
    public void Equal_pair_differences_give_no_step_along_the_estimate_under_z_scores()
    {
        var settings = Settings() with { Optimizer = EvolutionOptimizer.Sgd, Shaping = FitnessShaping.ZScoredDifferences, WeightDecay = 0 };
        var es = new EvolutionStrategy(Start(), settings);
        float[] before = (float[])es.Theta.Clone();
        es.Ask();
        es.Tell([1.0, 0.5, 3.0, 2.5, -1.0, -1.5, 7.0, 6.5]);
        Assert.Equal(before, es.Theta);
    }

    [Fact]
    public void Decoupled_decay_shrinks_theta_by_one_factor_then_adam_steps_on_the_estimate_alone()
    {
        var settings = Settings() with { DecayMode = WeightDecayMode.Decoupled, WeightDecay = 0.5f };
        (float[] before, float[] after, float[] estimate, GenerationRequest asked) = OneTell(settings, RankWeights);
        float[] expected = (float[])before.Clone();
        float keep = 1 - (asked.LearningRate * settings.WeightDecay);
        for (int i = 0; i < expected.Length; i++)
        {
            expected[i] *= keep;
        }

        var adam = new AdamOptimizer(expected.Length);
        adam.Update(expected, estimate.Select(g => -g).ToArray(), asked.LearningRate);
        Assert.Equal(EvolutionTestData.Hex(expected), EvolutionTestData.Hex(after));

        // Under L2 the same λ goes through Adam instead, which is a different θ.
        (_, float[] l2, _, _) = OneTell(settings with { DecayMode = WeightDecayMode.L2 }, RankWeights);
        Assert.NotEqual(EvolutionTestData.Hex(after), EvolutionTestData.Hex(l2));
    }

    [Fact]
    public void A_noise_seed_changes_the_members_but_not_the_minibatches_and_equal_to_the_seed_changes_nothing()
    {
        using DatasetSplits data = Datasets.Load("parity4", new DatasetLoadOptions { Log = TextWriter.Null });
        EvolutionSettings plain = Settings(rank: 1);
        EvolutionTrainer a = EvolutionTestData.Run(Net, plain, data.Train, 3, threads: 2);
        EvolutionTrainer same = EvolutionTestData.Run(Net, plain with { NoiseSeed = plain.Seed }, data.Train, 3, threads: 2);
        EvolutionTrainer other = EvolutionTestData.Run(Net, plain with { NoiseSeed = 99 }, data.Train, 3, threads: 2);
        Assert.Equal(EvolutionTestData.Hex(a.Parameters.Values), EvolutionTestData.Hex(same.Parameters.Values));
        Assert.NotEqual(EvolutionTestData.Hex(a.Parameters.Values), EvolutionTestData.Hex(other.Parameters.Values));

        // The first generation's θ is the same in both, so the same minibatch scores θ the same.
        EvolutionTrainer a0 = EvolutionTestData.Run(Net, plain, data.Train, 0, threads: 1);
        EvolutionTrainer other0 = EvolutionTestData.Run(Net, plain with { NoiseSeed = 99 }, data.Train, 0, threads: 1);
        Assert.Equal(a0.Step(data.Train).CenterLoss, other0.Step(data.Train).CenterLoss);
    }

    [Fact]
    public void Members_are_scored_by_the_cross_entropy_of_their_logits_over_the_temperature()
    {
        using DatasetSplits data = Datasets.Load("parity4", new DatasetLoadOptions { Log = TextWriter.Null });
        var settings = Settings(rank: 0) with { FitnessTemperature = 2.5f };
        var theta = NetworkParameters.Initialize(Net, 3);
        var es = new EvolutionStrategy(theta.Values, settings, PopulationNoise.For(Net, settings));
        GenerationRequest request = es.Ask();
        Assert.Equal(2.5f, request.Temperature);
        var batch = new Minibatch();
        new EvolutionMinibatches(settings.BatchSize, settings.Seed).Gather(data.Train, 0, batch);
        var fitness = new double[request.Members];
        using var evaluator = new CpuPopulationEvaluator(new EngineSettings { MaxThreads = 2 });
        evaluator.Evaluate(theta, request, batch, 0, request.Pairs, fitness);

        IForwardExecutor executor = EvaluationExecutors.Fast(new EngineSettings { MaxThreads = 1 });
        var member = NetworkParameters.Initialize(Net, 3);
        var logits = new float[batch.Rows * Net.Outputs];
        for (int m = 0; m < request.Members; m++)
        {
            ((FullRankNoise)request.Noise).WriteMember(theta.Values, m / 2, request.ScaleOf(m), member.Values);
            executor.Forward(member, batch.Inputs, new Span2D<float>(logits, batch.Rows, Net.Outputs));
            double total = SoftmaxCrossEntropy.Evaluate(new ReadOnlySpan2D<float>(logits, batch.Rows, Net.Outputs), batch.Labels, Span2D<float>.Empty, 0f, 2.5f, out _);
            double plain = SoftmaxCrossEntropy.Evaluate(new ReadOnlySpan2D<float>(logits, batch.Rows, Net.Outputs), batch.Labels, Span2D<float>.Empty, 0f, out _);
            Assert.Equal(-total / batch.Rows, fitness[m]);
            Assert.NotEqual(-plain / batch.Rows, fitness[m]);
        }
    }

    [Fact]
    public void The_temperature_divides_the_logits_and_one_is_the_plain_loss_bit_for_bit()
    {
        float[] logits = [1.5f, -0.25f, 3f, 0.125f, 0.125f, -2f];
        byte[] labels = [2, 0];
        var view = new ReadOnlySpan2D<float>(logits, 2, 3);
        double plain = SoftmaxCrossEntropy.Evaluate(view, labels, Span2D<float>.Empty, 0f, out int hits);
        Assert.Equal(plain, SoftmaxCrossEntropy.Evaluate(view, labels, Span2D<float>.Empty, 0f, 1f, out _));
        double expected = 0;
        for (int row = 0; row < 2; row++)
        {
            double[] z = [logits[3 * row] / 2.0, logits[(3 * row) + 1] / 2.0, logits[(3 * row) + 2] / 2.0];
            expected += Math.Log(z.Sum(Math.Exp)) - z[labels[row]];
        }

        Assert.Equal(expected, SoftmaxCrossEntropy.Evaluate(view, labels, Span2D<float>.Empty, 0f, 2f, out int hotHits), 12);
        Assert.Equal(hits, hotHits);
        Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropy.Evaluate(new ReadOnlySpan2D<float>(logits, 2, 3), labels, Span2D<float>.Empty, 0f, 0f, out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Every_rule_gives_the_same_bits_on_one_two_and_three_threads_and_through_a_checkpoint(int variant)
    {
        using DatasetSplits data = Datasets.Load("parity4", new DatasetLoadOptions { Log = TextWriter.Null });
        EvolutionSettings settings = Variant(variant);
        string one = EvolutionTestData.Hex(EvolutionTestData.Run(Net, settings, data.Train, 4, threads: 1).Parameters.Values);
        Assert.Equal(one, EvolutionTestData.Hex(EvolutionTestData.Run(Net, settings, data.Train, 4, threads: 2).Parameters.Values));
        Assert.Equal(one, EvolutionTestData.Hex(EvolutionTestData.Run(Net, settings, data.Train, 4, threads: 3).Parameters.Values));

        EvolutionTrainer first = EvolutionTestData.Run(Net, settings, data.Train, 2, threads: 2);
        string path = Path.Combine(Path.GetTempPath(), $"cpulinear-rules-{Guid.NewGuid():N}.safetensors");
        try
        {
            SafetensorsCheckpoint.Write(path, EvolutionCheckpoint.Capture(first));
            EvolutionTrainer resumed = EvolutionCheckpoint.Resume(SafetensorsCheckpoint.Read(path), new EngineSettings { MaxThreads = 1 });
            Assert.Equal(settings, resumed.Settings);
            resumed.Step(data.Train);
            resumed.Step(data.Train);
            Assert.Equal(one, EvolutionTestData.Hex(resumed.Parameters.Values));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Absent_keys_read_as_the_defaults_and_unknown_names_are_errors_that_list_the_choices()
    {
        var trainer = new EvolutionTrainer(NetworkParameters.Initialize(Net, 5), Variant(3));
        Checkpoint written = EvolutionCheckpoint.Capture(trainer);
        var extra = new Dictionary<string, string>(written.Extra);
        foreach (string key in new[] { "es_optimizer", "es_fitness_shaping", "es_decay_mode", "es_fitness_temperature", "es_noise_seed" })
        {
            Assert.True(extra.Remove(key), key);
        }

        EvolutionSettings old = EvolutionCheckpoint.SettingsOf(written with { Extra = extra });
        Assert.Equal(Variant(3) with
        {
            Optimizer = EvolutionOptimizer.Adam, Shaping = FitnessShaping.CenteredRanks, DecayMode = WeightDecayMode.L2, FitnessTemperature = 1f, NoiseSeed = null,
        }, old);

        extra["es_optimizer"] = "lbfgs";
        ArgumentException error = Assert.Throws<ArgumentException>(() => EvolutionCheckpoint.SettingsOf(written with { Extra = extra }));
        Assert.Contains("'es_optimizer' must be one of adam, sgd; found 'lbfgs'", error.Message, StringComparison.Ordinal);
        extra.Remove("es_optimizer");
        extra["es_noise_seed"] = "-3";
        error = Assert.Throws<ArgumentException>(() => EvolutionCheckpoint.SettingsOf(written with { Extra = extra }));
        Assert.Contains("'es_noise_seed' must be an unsigned integer; found '-3'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_rules_are_refused_with_the_value()
    {
        Assert.Contains("temperature must be positive", Assert.Throws<ArgumentException>(() => (Settings() with { FitnessTemperature = 0 }).Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("Unknown optimiser", Assert.Throws<ArgumentException>(() => (Settings() with { Optimizer = (EvolutionOptimizer)7 }).Validate()).Message, StringComparison.Ordinal);
    }

    private static EvolutionSettings Variant(int variant) => variant switch
    {
        0 => Settings(rank: 1) with { Optimizer = EvolutionOptimizer.Sgd, LearningRateInitial = 0.5f, LearningRateFinal = 0.2f },
        1 => Settings(rank: 0) with { Shaping = FitnessShaping.ZScoredDifferences },
        2 => Settings(rank: 1) with { FirstLayerUnits = 5, DecayMode = WeightDecayMode.Decoupled, WeightDecay = 0.3f },
        _ => Settings(rank: 2) with
        {
            Optimizer = EvolutionOptimizer.Sgd, Shaping = FitnessShaping.ZScoredDifferences, DecayMode = WeightDecayMode.Decoupled,
            FitnessTemperature = 2f, NoiseSeed = 77, LearningRateInitial = 0.01f, LearningRateFinal = 0.005f,
        },
    };

    private static EvolutionSettings Settings(int rank = 0) => new()
    {
        Pairs = 4, BatchSize = 7, Generations = 20, Rank = rank, Seed = 5,
        SigmaInitial = 0.1f, SigmaFinal = 0.05f, LearningRateInitial = 0.03f, LearningRateFinal = 0.01f,
    };

    private static float[] Start() => [0.5f, -0.25f, 1.5f, 0.125f, -2f, 0.75f];

    // One ask/tell on a plain vector with full-rank noise; returns θ before and after and ĝ = Σⱼ wⱼεⱼ for the
    // weights the rule should use (combined by the noise itself, whose sum order its own tests pin down).
    private static (float[] Before, float[] After, float[] Estimate, GenerationRequest Asked) OneTell(EvolutionSettings settings, Func<double[], float[]> weights)
    {
        var es = new EvolutionStrategy(Start(), settings);
        float[] before = (float[])es.Theta.Clone();
        GenerationRequest asked = es.Ask();
        var estimate = new float[before.Length];
        asked.Noise.Combine(weights(Fitness), estimate);
        es.Tell(Fitness);
        return (before, (float[])es.Theta.Clone(), estimate, asked);
    }

    private static float[] RankWeights(double[] fitness)
    {
        var ranks = new float[fitness.Length];
        CenteredRanks.Compute(fitness, ranks);
        int pairs = fitness.Length / 2;
        return Enumerable.Range(0, pairs).Select(j => (ranks[2 * j] - ranks[(2 * j) + 1]) * (1f / (2 * pairs))).ToArray();
    }

    private static float[] ZScoreWeights(double[] fitness)
    {
        int pairs = fitness.Length / 2;
        double[] d = Enumerable.Range(0, pairs).Select(j => fitness[2 * j] - fitness[(2 * j) + 1]).ToArray();
        double mean = d.Sum() / pairs;
        double sd = Math.Sqrt(d.Sum(x => (x - mean) * (x - mean)) / pairs);
        return d.Select(x => (float)((x - mean) / sd) * (1f / (2 * pairs))).ToArray();
    }
}
