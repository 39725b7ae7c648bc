using CpuLinear.Data;
using CpuLinear.Evolution;
using CpuLinear.Experiments;
using CpuLinear.Networks;

namespace CpuLinear.Tests.Experiments;

/// <summary>The gradient-alignment experiment: ES estimates against the literal program's gradients.</summary>
public sealed class GradientAlignmentExperimentTests
{
    private static readonly NetworkArchitecture Net = new([4, 16, 16, 2]);

    [Fact]
    public void Estimates_agree_as_pairs_grow_and_converge_to_the_gradient_where_the_loss_is_smooth_but_not_across_dead_zones()
    {
        // Full-rank members at σ far below the dead zones' edge. Two estimates from independent noise must agree more
        // as the population grows. On W3 the loss is smooth (the logits have no dead zone after them), so the mean
        // estimate is the FTZ-aware gradient there; on b1 that gradient is exactly 0 (θ₀'s biases are 0, inside the
        // zone, whose derivative is 0), yet the estimates agree: ES sees the jumps at the zone's edge that the
        // almost-everywhere derivative cannot.
        using DatasetSplits data = Datasets.Load("parity4", new DatasetLoadOptions { Log = TextWriter.Null });
        var theta = NetworkParameters.Initialize(Net, 1);
        var settings = new GradientAlignmentSettings
        {
            Members = new EvolutionSettings { Rank = 0, BatchSize = 16, Generations = 10, SigmaInitial = 0.002f, SigmaFinal = 0.002f, Seed = 1 },
            PairCounts = [4, 4096],
            Threads = 2,
        };
        IReadOnlyList<GradientAlignmentRow> rows = GradientAlignmentExperiment.Run(theta, data.Train, settings);
        Assert.Equal(2 * ((2 * Net.LayerCount) + 1), rows.Count);
        GradientAlignmentRow Row(int pairs, string block) => rows.Single(r => r.Pairs == pairs && r.Block == block);
        Assert.Equal(Net.ParameterCount, Row(4096, "all").Parameters);
        Assert.True(Row(4096, "all").BetweenSeeds > 0.8, $"4096 pairs between seeds: cos {Row(4096, "all").BetweenSeeds}");
        Assert.True(Row(4, "all").BetweenSeeds < 0.3, $"4 pairs between seeds: cos {Row(4, "all").BetweenSeeds}");
        Assert.True(Row(4096, "W3").FtzAware > 0.9, $"W3 at 4096 pairs: cos {Row(4096, "W3").FtzAware}");
        Assert.True(Row(4096, "all").FtzAware > Row(4, "all").FtzAware + 0.2, $"all: cos {Row(4, "all").FtzAware} at 4 pairs, {Row(4096, "all").FtzAware} at 4096");
        Assert.Equal(0, Row(4096, "b1").FtzAware);
        Assert.True(Row(4096, "b1").BetweenSeeds > 0.8, $"b1 between seeds: cos {Row(4096, "b1").BetweenSeeds}");
        Assert.Equal(Row(4, "W1").GradientsAgree, Row(4096, "W1").GradientsAgree);
    }

    [Fact]
    public void The_rows_are_the_same_bits_on_one_and_three_threads_for_unit_subset_members()
    {
        using DatasetSplits data = Datasets.Load("parity4", new DatasetLoadOptions { Log = TextWriter.Null });
        var theta = NetworkParameters.Initialize(Net, 5);
        var settings = new GradientAlignmentSettings
        {
            Members = new EvolutionSettings { Rank = 1, FirstLayerUnits = 4, LaterLayerPairs = 3, BatchSize = 8, Generations = 10, Seed = 2 },
            PairCounts = [5, 17],
            Generation = 3,
            Threads = 1,
        };
        IReadOnlyList<GradientAlignmentRow> one = GradientAlignmentExperiment.Run(theta, data.Train, settings);
        IReadOnlyList<GradientAlignmentRow> three = GradientAlignmentExperiment.Run(theta, data.Train, settings with { Threads = 3 });
        Assert.Equal(one, three);
        Assert.Contains(one, r => r.FtzAware != 0 && r.BetweenSeeds != 0);
    }

    [Fact]
    public void Cosines_are_exact_on_simple_vectors_and_zero_for_a_zero_vector()
    {
        Assert.Equal(1, GradientAlignmentExperiment.Cosine([1f, 2f], [2f, 4f]), 12);
        Assert.Equal(-1, GradientAlignmentExperiment.Cosine([1f, 2f], [-3f, -6f]), 12);
        Assert.Equal(0, GradientAlignmentExperiment.Cosine([1f, 0f], [0f, 5f]));
        Assert.Equal(0, GradientAlignmentExperiment.Cosine([0f, 0f], [1f, 1f]));
        Assert.Throws<ArgumentException>(() => GradientAlignmentExperiment.Cosine([1f], [1f, 2f]));
    }

    [Fact]
    public void Bad_settings_and_data_of_another_shape_are_refused()
    {
        using DatasetSplits data = Datasets.Load("parity4", new DatasetLoadOptions { Log = TextWriter.Null });
        var theta = NetworkParameters.Initialize(Net, 5);
        ArgumentException error = Assert.Throws<ArgumentException>(() => GradientAlignmentExperiment.Run(theta, data.Train, new GradientAlignmentSettings { PairCounts = [] }));
        Assert.Contains("Pair counts", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ArgumentException>(() => GradientAlignmentExperiment.Run(theta, data.Train, new GradientAlignmentSettings { Generation = -1 }));
        Assert.Contains("generation must be non-negative", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ArgumentException>(() => GradientAlignmentExperiment.Run(NetworkParameters.Initialize(new NetworkArchitecture([5, 3, 2]), 1), data.Train, new GradientAlignmentSettings()));
        Assert.Contains("takes 5 inputs; the data has 4 features", error.Message, StringComparison.Ordinal);
    }
}
