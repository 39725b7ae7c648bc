using CommunityToolkit.HighPerformance.Buffers;
using CpuLinear.Data;
using CpuLinear.Networks;
using CpuLinear.Scoring;
using CpuLinear.Training;

namespace CpuLinear.Tests.Training;

public sealed class PreActivationHistogramTests
{
    // FlushStatisticsTests' 2-4-2 network (s = 2^125, dead-zone edge 0.5) and rows, so the counts can be checked by hand.
    private static readonly float[] FirstWeights = [0.25f, 0.75f, -0.4f, 2.0f, 1.0f, 0.1f, 0.3f, -3.0f];
    private static readonly float[] SecondWeights = [1f, 0f, 0f, 1f, 1f, 0f, 0f, 0.1f];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Bins_the_magnitudes_entering_each_dead_zone_by_hand(int threads)
    {
        var net = new NetworkArchitecture([2, 4, 2]);
        var parameters = new NetworkParameters(net, new float[net.ParameterCount]);
        FirstWeights.CopyTo(parameters.Weights(0));
        SecondWeights.CopyTo(parameters.Weights(1));
        using LabeledImages data = Images([1, 0, 0, 1, 1, 1, 0.5f, 0.5f, 0, 0]);

        // One bin per octave, two octaves each side of T = 0.5: [0.125, 0.25) [0.25, 0.5) | [0.5, 1) [1, 2).
        IReadOnlyList<LayerPreActivationHistogram> layers =
            PreActivationHistogram.Measure(parameters, data, engine: new EngineSettings { MaxThreads = threads }, binsPerOctave: 1, octavesEachSide: 2);

        Assert.Equal(2, layers.Count);
        LayerPreActivationHistogram first = layers[0];
        Assert.Equal((0.5f, 2, 0.125, 2.0), (first.Threshold, first.ThresholdBin, first.LowerEdge(0), first.UpperEdge(3)));
        // First layer, |x·W₁| per row (zero bias, so v is the product):
        //   (1, 0)     → 0.25, 0.75, 0.4, 2       bins 1, 2, 1, above
        //   (0, 1)     → 1, 0.1, 0.3, 3           bins 3, below, 1, above
        //   (1, 1)     → 1.25, 0.85, 0.1, 1       bins 3, 2, below, 3
        //   (0.5, 0.5) → 0.625, 0.425, 0.05, 0.5  bins 2, 1, below, 2 (0.5 sits on the edge: outside)
        //   (0, 0)     → four exact-zero products, not binned
        Assert.Equal([0L, 4, 4, 3], first.Counts);
        Assert.Equal((3L, 2L, 4L, 20L, 7L), (first.Below, first.Above, first.ZeroProducts, first.Values, first.Inside));
        Assert.Equal(7 / 20.0, first.InsideFraction);
        Assert.Equal(4 / 20.0, first.Fraction(2));

        // Second layer: products h₁·W₂ [0, 0.95], [1, -0.3], [1.25, 0.75], [0.625, -0.05], [0, 0]. Its products are
        // in scaled units, so DAZ at 0.5 turns -0.3 and -0.05 into v = 0 (below); the three zeros are not binned.
        LayerPreActivationHistogram second = layers[1];
        Assert.Equal([0L, 0, 3, 2], second.Counts);
        Assert.Equal((2L, 0L, 3L, 10L, 2L), (second.Below, second.Above, second.ZeroProducts, second.Values, second.Inside));

        // The share inside the dead zone is FlushStatistics' share of silenced outputs, layer by layer.
        IReadOnlyList<LayerFlushStatistics> flushed = FlushStatistics.Measure(parameters, data);
        Assert.Equal(flushed.Select(f => f.FlushedFraction), layers.Select(l => l.InsideFraction));
    }

    [Theory]
    [InlineData(4, 40)]
    [InlineData(3, 5)]
    public void The_inside_fraction_equals_the_flushed_fraction_on_a_random_network(int binsPerOctave, int octaves)
    {
        var net = new NetworkArchitecture([12, 16, 9, 4]);
        NetworkParameters parameters = NetworkParameters.Initialize(net, 7);
        var random = new Random(3);
        using LabeledImages data = Images([.. Enumerable.Range(0, 12 * 300).Select(i => i % 5 == 0 ? 0f : random.NextSingle())], features: 12);

        IReadOnlyList<LayerPreActivationHistogram> layers = PreActivationHistogram.Measure(parameters, data, limit: 250, binsPerOctave: binsPerOctave, octavesEachSide: octaves);
        IReadOnlyList<LayerFlushStatistics> flushed = FlushStatistics.Measure(parameters, data, limit: 250);

        for (int l = 0; l < net.LayerCount; l++)
        {
            LayerPreActivationHistogram h = layers[l];
            Assert.Equal(flushed[l].FlushedFraction, h.InsideFraction);
            Assert.Equal(h.Values, h.Counts.Sum() + h.Below + h.Above + h.ZeroProducts);
            Assert.Equal((250, net.Widths[l + 1]), (h.Examples, h.Units));
        }

        // Something on both sides of the edge, so the equality above is not 0 = 0 or 1 = 1.
        Assert.Contains(layers, h => h.InsideFraction is > 0 and < 1);
    }

    [Fact]
    public void Rejects_data_of_another_width_and_empty_bins()
    {
        var net = new NetworkArchitecture([3, 4, 2]);
        using LabeledImages data = Images([1, 0]);
        ArgumentException error = Assert.Throws<ArgumentException>(() => PreActivationHistogram.Measure(NetworkParameters.Initialize(net, 1), data));
        Assert.Contains("3 inputs", error.Message, StringComparison.Ordinal);
        using LabeledImages wide = Images([1, 0, 0], features: 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => PreActivationHistogram.Measure(NetworkParameters.Initialize(net, 1), wide, binsPerOctave: 0));
    }

    private static LabeledImages Images(float[] rows, int features = 2)
    {
        var pixels = MemoryOwner<float>.Allocate(rows.Length);
        rows.CopyTo(pixels.Span);
        return new LabeledImages(
            pixels, new byte[rows.Length / features], 1, features, 2, new DataProvenance("hand-made rows", null, null, null, null, ChecksumStatus.Generated));
    }
}
