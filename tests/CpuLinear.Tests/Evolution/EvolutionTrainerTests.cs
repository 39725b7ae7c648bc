using CpuLinear.Checkpoints;
using CpuLinear.Data;
using CpuLinear.Evolution;
using CpuLinear.Networks;
using CpuLinear.Training;

namespace CpuLinear.Tests.Evolution;

public sealed class EvolutionTrainerTests
{
    private static readonly NetworkArchitecture Net = new([4, 24, 19, 2]);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(1, 5)]
    [InlineData(2, 24)]
    [InlineData(1, 5, true)]
    public void A_generation_is_the_same_bits_on_one_two_and_three_threads(int rank, int units = 0, bool fixedRms = false)
    {
        using DatasetSplits data = Datasets.Load("parity4", new DatasetLoadOptions { Log = TextWriter.Null });
        EvolutionSettings settings = Settings(rank) with { FirstLayerUnits = units, FixedWeightRms = fixedRms };
        string one = EvolutionTestData.Hex(EvolutionTestData.Run(Net, settings, data.Train, 4, threads: 1).Parameters.Values);
        string two = EvolutionTestData.Hex(EvolutionTestData.Run(Net, settings, data.Train, 4, threads: 2).Parameters.Values);
        string three = EvolutionTestData.Hex(EvolutionTestData.Run(Net, settings, data.Train, 4, threads: 3).Parameters.Values);
        Assert.Equal(one, two);
        Assert.Equal(one, three);
        Assert.NotEqual(EvolutionTestData.Hex(NetworkParameters.Initialize(Net, settings.Seed).Values), one);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(1, 7)]
    [InlineData(1, 7, true)]
    public void A_run_resumed_from_a_checkpoint_file_ends_with_the_same_bits(int rank, int units = 0, bool fixedRms = false)
    {
        using DatasetSplits data = Datasets.Load("parity4", new DatasetLoadOptions { Log = TextWriter.Null });
        EvolutionSettings settings = Settings(rank) with { FirstLayerUnits = units, FixedWeightRms = fixedRms };
        EvolutionTrainer straight = EvolutionTestData.Run(Net, settings, data.Train, 6, threads: 2);

        EvolutionTrainer first = EvolutionTestData.Run(Net, settings, data.Train, 3, threads: 2);
        string path = Path.Combine(Path.GetTempPath(), $"cpulinear-es-{Guid.NewGuid():N}.safetensors");
        try
        {
            SafetensorsCheckpoint.Write(path, EvolutionCheckpoint.Capture(first));
            EvolutionTrainer resumed = EvolutionCheckpoint.Resume(SafetensorsCheckpoint.Read(path), new EngineSettings { MaxThreads = 1 });
            Assert.Equal(3, resumed.Generation);
            Assert.Equal(settings, resumed.Settings);
            for (int g = 0; g < 3; g++)
            {
                resumed.Step(data.Train);
            }

            Assert.Equal(EvolutionTestData.Hex(straight.Parameters.Values), EvolutionTestData.Hex(resumed.Parameters.Values));
            Assert.Equal(EvolutionTestData.Hex(straight.Optimizer.SecondMoment), EvolutionTestData.Hex(resumed.Optimizer.SecondMoment));
            Assert.Equal(straight.Optimizer.Step, resumed.Optimizer.Step);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Different_seeds_draw_different_members()
    {
        using DatasetSplits data = Datasets.Load("parity4", new DatasetLoadOptions { Log = TextWriter.Null });
        // Same initial θ (seed 1), different noise seeds: the first update must differ.
        var a = new EvolutionTrainer(NetworkParameters.Initialize(Net, 1), Settings(1) with { Seed = 1 });
        var b = new EvolutionTrainer(NetworkParameters.Initialize(Net, 1), Settings(1) with { Seed = 2 });
        a.Step(data.Train);
        b.Step(data.Train);
        Assert.NotEqual(EvolutionTestData.Hex(a.Parameters.Values), EvolutionTestData.Hex(b.Parameters.Values));
    }

    [Fact]
    public void Unit_subsets_are_rejected_at_full_rank_and_on_a_compute_backend()
    {
        Assert.Throws<ArgumentException>(() => (Settings(0) with { FirstLayerUnits = 4 }).Validate());
        Assert.Throws<ArgumentException>(() => (Settings(1) with { FirstLayerUnits = -1 }).Validate());
        using var backend = new Backends.CpuBackend();
        var error = Assert.Throws<ArgumentException>(() => new EvolutionTrainer(NetworkParameters.Initialize(Net, 1), (Settings(1) with { FirstLayerUnits = 4 }), evaluator: new Populations.BackendPopulationEvaluator(backend)));
        Assert.Contains("CPU engine only", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Perturbing_a_unit_subset_changes_only_those_units_first_layer_weights_in_the_first_update()
    {
        using DatasetSplits data = Datasets.Load("parity4", new DatasetLoadOptions { Log = TextWriter.Null });
        // One pair perturbing 3 of 24 units: its (masked) noise is the whole first-layer update, so exactly
        // those 3 columns of W₁ (and entries of b₁) move; every layer after the first moves everywhere.
        EvolutionSettings settings = Settings(1) with { Pairs = 1, FirstLayerUnits = 3, WeightDecay = 0 };
        var initial = NetworkParameters.Initialize(Net, settings.Seed);
        var trainer = new EvolutionTrainer(initial.Clone(), settings, new EngineSettings { MaxThreads = 1 });
        trainer.Step(data.Train);
        Assert.NotEqual(trainer.Fitness[0], trainer.Fitness[1]);
        var moved = new HashSet<int>();
        ReadOnlySpan<float> before = initial.Weights(0), after = trainer.Parameters.Weights(0);
        for (int i = 0; i < before.Length; i++)
        {
            if (before[i] != after[i])
            {
                moved.Add(i % Net.Widths[1]);
            }
        }

        Assert.Equal(3, moved.Count);
        for (int c = 0; c < Net.Widths[1]; c++)
        {
            Assert.Equal(moved.Contains(c), initial.Bias(0)[c] != trainer.Parameters.Bias(0)[c]);
        }

        Assert.All(Enumerable.Range(0, Net.Widths[2]), c => Assert.NotEqual(initial.Bias(1)[c], trainer.Parameters.Bias(1)[c]));
    }

    [Fact]
    public void The_schedules_run_from_initial_to_final_geometrically()
    {
        var s = new EvolutionSettings { Generations = 101, SigmaInitial = 0.04f, SigmaFinal = 0.01f, LearningRateInitial = 0.1f, LearningRateFinal = 0.001f };
        Assert.Equal(0.04f, s.SigmaAt(0));
        Assert.Equal(0.02f, s.SigmaAt(50), 6);
        Assert.Equal(0.01f, s.SigmaAt(100), 6);
        Assert.Equal(0.01f, s.LearningRateAt(50), 6);
        Assert.Equal(0.001f, s.LearningRateAt(1000), 6);
    }

    [Fact]
    public void The_fixed_weight_rms_flag_is_read_back_absent_means_off_and_junk_is_an_error()
    {
        var trainer = new EvolutionTrainer(NetworkParameters.Initialize(Net, 5), Settings(1) with { FixedWeightRms = true });
        Checkpoint written = EvolutionCheckpoint.Capture(trainer);
        Assert.True(EvolutionCheckpoint.SettingsOf(written).FixedWeightRms);

        var extra = new Dictionary<string, string>(written.Extra);
        extra.Remove("es_fixed_weight_rms");
        Assert.False(EvolutionCheckpoint.SettingsOf(written with { Extra = extra }).FixedWeightRms);

        extra["es_fixed_weight_rms"] = "yes";
        ArgumentException error = Assert.Throws<ArgumentException>(() => EvolutionCheckpoint.SettingsOf(written with { Extra = extra }));
        Assert.Contains("'es_fixed_weight_rms' must be true or false; found 'yes'", error.Message, StringComparison.Ordinal);
    }

    private static EvolutionSettings Settings(int rank) => new()
    {
        Pairs = 9, BatchSize = 7, Generations = 20, Rank = rank, Seed = 5,
        SigmaInitial = 0.1f, SigmaFinal = 0.05f, LearningRateInitial = 0.03f, LearningRateFinal = 0.01f,
    };
}
