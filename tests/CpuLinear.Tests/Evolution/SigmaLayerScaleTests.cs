using System.CommandLine;
using CpuLinear.Checkpoints;
using CpuLinear.Cli.Evolution;
using CpuLinear.Data;
using CpuLinear.Evolution;
using CpuLinear.Networks;
using CpuLinear.Training;

namespace CpuLinear.Tests.Evolution;

/// <summary>σ per layer (<see cref="EvolutionSettings.SigmaLayerScales"/>): the noise, the estimate, whole runs, checkpoints, errors.</summary>
public sealed class SigmaLayerScaleTests
{
    private static readonly NetworkArchitecture Net = new([4, 24, 19, 2]);

    // Powers of two: scaling by them is exact, so the expected values below are bit-exact, not approximate.
    private static readonly LayerScales Uneven = new([2f, 0.5f, 4f]);

    public static TheoryData<string> Kinds => ["low-rank", "unit-subset", "later-layers"];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Each_layers_factor_and_bias_noise_are_the_unit_draw_times_its_factor_and_b_is_left_as_drawn(string kind)
    {
        LowRankNoise plain = Noise(kind, null), scaled = Noise(kind, Uneven);
        plain.Draw(3);
        scaled.Draw(3);
        LowRankNoiseLayout layout = plain.Layout;
        bool sawNonZero = false;
        for (int j = 0; j < plain.Pairs; j++)
        {
            ReadOnlySpan<float> unit = plain.Pair(j), drawn = scaled.Pair(j);
            for (int l = 0; l < Net.LayerCount; l++)
            {
                Assert.Equal(Uneven[l], scaled.LayerScale(l));
                int fanIn = Net.Widths[l], fanOut = Net.Widths[l + 1];
                for (int i = 0; i < fanIn * layout.Rank; i++)
                {
                    Assert.Equal(unit[layout.FactorA(l) + i] * Uneven[l], drawn[layout.FactorA(l) + i]);
                    sawNonZero |= unit[layout.FactorA(l) + i] != 0;
                }

                Assert.Equal(unit.Slice(layout.FactorB(l), layout.Rank * fanOut).ToArray(), drawn.Slice(layout.FactorB(l), layout.Rank * fanOut).ToArray());
                for (int c = 0; c < fanOut; c++)
                {
                    Assert.Equal(unit[layout.BiasNoise(l) + c] * Uneven[l], drawn[layout.BiasNoise(l) + c]);
                }
            }
        }

        Assert.True(sawNonZero);
        Assert.Equal(1f, plain.LayerScale(1));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void The_estimate_of_every_layer_is_the_combine_of_the_unit_noise(string kind)
    {
        // Layer l's members search at σ·c_l; its estimate Σⱼ wⱼ·εⱼ over the unit noise is the one a run at σ·c_l makes.
        LowRankNoise plain = Noise(kind, null), scaled = Noise(kind, Uneven);
        plain.Draw(1);
        scaled.Draw(1);
        float[] weights = [.. Enumerable.Range(0, plain.Pairs).Select(j => ((j * 5 % 7) - 3) / 16f)];
        float[] expected = new float[Net.ParameterCount], actual = new float[Net.ParameterCount];
        plain.Combine(weights, expected);
        scaled.Combine(weights, actual);
        Assert.Equal(EvolutionTestData.Hex(expected), EvolutionTestData.Hex(actual));
        Assert.Contains(actual, v => v != 0);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(5, 0)]
    [InlineData(5, 6)]
    [InlineData(0, 6)]
    public void Every_layer_at_factor_two_is_the_run_at_twice_sigma_bit_for_bit_and_an_uneven_factor_is_not(int units, int laterPairs)
    {
        // Through the whole trainer (noise, members on the CPU engine, estimate, Adam): scaling every layer by 2 is
        // exactly the run at 2σ, so the factors reach the members and the estimate as σ does, and nowhere else.
        using DatasetSplits data = Datasets.Load("parity4", new DatasetLoadOptions { Log = TextWriter.Null });
        EvolutionSettings baseline = Settings() with { FirstLayerUnits = units, LaterLayerPairs = laterPairs };
        string doubled = EvolutionTestData.Hex(EvolutionTestData.Run(Net, baseline with { SigmaInitial = 0.2f, SigmaFinal = 0.1f }, data.Train, 4, threads: 2).Parameters.Values);
        string factorTwo = EvolutionTestData.Hex(EvolutionTestData.Run(Net, baseline with { SigmaLayerScales = new([2f, 2f, 2f]) }, data.Train, 4, threads: 2).Parameters.Values);
        Assert.Equal(doubled, factorTwo);

        string ones = EvolutionTestData.Hex(EvolutionTestData.Run(Net, baseline with { SigmaLayerScales = new([1f, 1f, 1f]) }, data.Train, 4, threads: 2).Parameters.Values);
        string none = EvolutionTestData.Hex(EvolutionTestData.Run(Net, baseline, data.Train, 4, threads: 2).Parameters.Values);
        Assert.Equal(none, ones);

        string uneven = EvolutionTestData.Hex(EvolutionTestData.Run(Net, baseline with { SigmaLayerScales = new([1f, 2f, 1f]) }, data.Train, 4, threads: 2).Parameters.Values);
        Assert.NotEqual(none, uneven);
        Assert.NotEqual(doubled, uneven);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void An_uneven_run_is_the_same_bits_on_one_and_three_threads_and_through_a_checkpoint_file(int units)
    {
        using DatasetSplits data = Datasets.Load("parity4", new DatasetLoadOptions { Log = TextWriter.Null });
        EvolutionSettings settings = Settings() with { FirstLayerUnits = units, LaterLayerPairs = 3, SigmaLayerScales = new([0.5f, 3f, 1.5f]) };
        EvolutionTrainer straight = EvolutionTestData.Run(Net, settings, data.Train, 6, threads: 1);
        Assert.Equal(EvolutionTestData.Hex(straight.Parameters.Values), EvolutionTestData.Hex(EvolutionTestData.Run(Net, settings, data.Train, 6, threads: 3).Parameters.Values));

        EvolutionTrainer resumed = EvolutionTestData.ResumedThroughFile(Net, settings, data.Train, 3, 3);
        Assert.Equal(settings, resumed.Settings);
        Assert.Equal("0.5,3,1.5", resumed.Settings.SigmaLayerScales.ToString());
        Assert.Equal(EvolutionTestData.Hex(straight.Parameters.Values), EvolutionTestData.Hex(resumed.Parameters.Values));
        Assert.Equal(EvolutionTestData.Hex(straight.Optimizer.SecondMoment), EvolutionTestData.Hex(resumed.Optimizer.SecondMoment));
    }

    [Fact]
    public void Checkpoints_without_the_key_read_as_every_layer_at_one_and_junk_is_an_error_naming_the_key()
    {
        var trainer = new EvolutionTrainer(NetworkParameters.Initialize(Net, 5), Settings() with { SigmaLayerScales = Uneven });
        Checkpoint written = EvolutionCheckpoint.Capture(trainer);
        Assert.Equal("2,0.5,4", written.Extra["es_sigma_layer_scales"]);
        Assert.Equal(Uneven, EvolutionCheckpoint.SettingsOf(written).SigmaLayerScales);

        var extra = new Dictionary<string, string>(written.Extra);
        extra.Remove("es_sigma_layer_scales");
        Assert.Equal(LayerScales.None, EvolutionCheckpoint.SettingsOf(written with { Extra = extra }).SigmaLayerScales);
        Assert.False(EvolutionCheckpoint.Capture(new EvolutionTrainer(NetworkParameters.Initialize(Net, 5), Settings())).Extra.ContainsKey("es_sigma_layer_scales"));

        foreach (string junk in new[] { "1,,2", "1,x,2", "1,0,2", "1,-2,1", "" })
        {
            extra["es_sigma_layer_scales"] = junk;
            ArgumentException error = Assert.Throws<ArgumentException>(() => EvolutionCheckpoint.SettingsOf(written with { Extra = extra }));
            Assert.Contains("'es_sigma_layer_scales' is invalid", error.Message, StringComparison.Ordinal);
            Assert.Contains($"of '{junk}'", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Wrong_counts_bad_values_and_full_rank_are_refused_with_the_values()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => PopulationNoise.For(Net, Settings() with { SigmaLayerScales = new([1f, 2f]) }));
        Assert.Contains("has 3 layers; got 2 scales (1,2)", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ArgumentException>(() => PopulationNoise.For(Net, Settings() with { Rank = 0, LaterLayerPairs = 0, SigmaLayerScales = new([1f, 1f]) }));
        Assert.Contains("got 2 scales", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ArgumentException>(() => (Settings() with { Rank = 0, LaterLayerPairs = 0, SigmaLayerScales = Uneven }).Validate());
        Assert.Contains("low-rank perturbation", error.Message, StringComparison.Ordinal);
        foreach (float bad in new[] { 0f, -1f, float.NaN, float.PositiveInfinity })
        {
            error = Assert.Throws<ArgumentException>(() => new LayerScales([1f, bad]));
            Assert.Contains("entry 2", error.Message, StringComparison.Ordinal);
        }

        error = Assert.Throws<ArgumentException>(() => new LowRankNoise(Net, 1, 2, 1, new LayerScales([1f, 1f])));
        Assert.Contains("one positive finite value per layer (3)", error.Message, StringComparison.Ordinal);

        // Full rank with every layer at 1 is allowed (nothing to scale), and equality is by value.
        (Settings() with { Rank = 0, LaterLayerPairs = 0, SigmaLayerScales = new([1f, 1f, 1f]) }).Validate();
        Assert.Equal(new LayerScales([1f, 2f]), LayerScales.Parse(" 1, 2"));
        Assert.NotEqual(new LayerScales([1f, 2f]), new LayerScales([2f, 1f]));
    }

    [Fact]
    public void The_train_option_reads_one_factor_per_layer_and_defaults_to_none()
    {
        var options = new EvolutionOptions();
        var command = new RootCommand();
        options.AddTo(command);
        Assert.Equal(LayerScales.None, options.Read(command.Parse([]), 1).SigmaLayerScales);
        Assert.Equal(new LayerScales([1f, 0.25f, 8f]), options.Read(command.Parse(["--sigma-layers", "1,0.25,8"]), 1).SigmaLayerScales);
        ArgumentException error = Assert.Throws<ArgumentException>(() => options.Read(command.Parse(["--sigma-layers", "1,a"]), 1));
        Assert.Contains("entry 2 of '1,a' is 'a'", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => options.Read(command.Parse(["--sigma-layers", "1,2,2", "--rank", "0"]), 1));
    }

    private static LowRankNoise Noise(string kind, LayerScales? scales) => kind switch
    {
        "low-rank" => new LowRankNoise(Net, 2, 4, 9, scales),
        "unit-subset" => new UnitSubsetNoise(Net, 1, 5, 4, 9, scales),
        _ => new LaterLayerNoise(Net, 1, 4, 9, firstPair: 2, layerScales: scales),
    };

    private static EvolutionSettings Settings() => new()
    {
        Pairs = 5, LaterLayerPairs = 0, BatchSize = 7, Generations = 20, Rank = 1, Seed = 5,
        SigmaInitial = 0.1f, SigmaFinal = 0.05f, LearningRateInitial = 0.03f, LearningRateFinal = 0.01f,
    };
}
