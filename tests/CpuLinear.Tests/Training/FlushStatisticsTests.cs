using CommunityToolkit.HighPerformance.Buffers;
using CpuLinear.Data;
using CpuLinear.Networks;
using CpuLinear.Scoring;
using CpuLinear.Training;

namespace CpuLinear.Tests.Training;

public sealed class FlushStatisticsTests
{
    // A 2-4-2 network (s = 2^125, dead-zone edge 0.5) with weights chosen so every flush can be counted by hand.
    private static readonly float[] FirstWeights = [0.25f, 0.75f, -0.4f, 2.0f, 1.0f, 0.1f, 0.3f, -3.0f];
    private static readonly float[] SecondWeights = [1f, 0f, 0f, 1f, 1f, 0f, 0f, 0.1f];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Counts_the_outputs_the_dead_zone_silenced_and_only_those(int threads)
    {
        var net = new NetworkArchitecture([2, 4, 2]);
        var parameters = new NetworkParameters(net, new float[net.ParameterCount]);
        FirstWeights.CopyTo(parameters.Weights(0));
        SecondWeights.CopyTo(parameters.Weights(1));
        // Rows and their first-layer products x·W₁:
        //   (1, 0)     → [0.25, 0.75, -0.4, 2]        flushed: units 0, 2
        //   (0, 1)     → [1, 0.1, 0.3, -3]            flushed: units 1, 2
        //   (1, 1)     → [1.25, 0.85, -0.1, -1]       flushed: unit 2
        //   (0.5, 0.5) → [0.625, 0.425, -0.05, -0.5]  flushed: units 1, 2 (-0.5 sits on the edge and passes)
        //   (0, 0)     → all zero: nothing to flush, so nothing counts
        // Second layer h₁·W₂ per row: [0, 0.95], [1, -0.3], [1.25, 0.75], [0.625, -0.05], [0, 0] → flushed: 0, 1, 0, 1, 0.
        using LabeledImages data = Images([1, 0, 0, 1, 1, 1, 0.5f, 0.5f, 0, 0]);

        IReadOnlyList<LayerFlushStatistics> layers = FlushStatistics.Measure(parameters, data, engine: new EngineSettings { MaxThreads = threads });

        Assert.Equal(2, layers.Count);
        Assert.Equal(new LayerFlushStatistics(0, 4, layers[0].WeightRms, 7 / 20.0, UnitsMostlyFlushed: 0, UnitsRarelyFlushed: 1, Examples: 5), layers[0]);
        Assert.Equal(new LayerFlushStatistics(1, 2, layers[1].WeightRms, 2 / 10.0, UnitsMostlyFlushed: 0, UnitsRarelyFlushed: 1, Examples: 5), layers[1]);
        Assert.Equal(Math.Sqrt(14.885 / 8), layers[0].WeightRms, 1e-6);
        Assert.Equal(Math.Sqrt(3.01 / 8), layers[1].WeightRms, 1e-6);

        // Without the all-zero row, unit 2 is flushed on every example: "mostly flushed".
        LayerFlushStatistics firstFour = FlushStatistics.Measure(parameters, data, limit: 4)[0];
        Assert.Equal((7 / 16.0, 1, 1, 4), (firstFour.FlushedFraction, firstFour.UnitsMostlyFlushed, firstFour.UnitsRarelyFlushed, firstFour.Examples));
    }

    [Fact]
    public void Rejects_data_of_another_width()
    {
        var net = new NetworkArchitecture([3, 4, 2]);
        using LabeledImages data = Images([1, 0]);
        ArgumentException error = Assert.Throws<ArgumentException>(() => FlushStatistics.Measure(NetworkParameters.Initialize(net, 1), data));
        Assert.Contains("3 inputs", error.Message, StringComparison.Ordinal);
    }

    private static LabeledImages Images(float[] rows)
    {
        var pixels = MemoryOwner<float>.Allocate(rows.Length);
        rows.CopyTo(pixels.Span);
        return new LabeledImages(
            pixels, new byte[rows.Length / 2], 1, 2, 2, new DataProvenance("hand-made rows", null, null, null, null, ChecksumStatus.Generated));
    }
}
