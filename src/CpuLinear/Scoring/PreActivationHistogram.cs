using CommunityToolkit.HighPerformance;
using CpuLinear.Data;
using CpuLinear.Networks;

namespace CpuLinear.Scoring;

/// <summary>
/// Histograms, layer by layer, the magnitudes |v| that enter the <see cref="FloatSemantics.FtzElementwise"/>
/// network's dead zones, where the flush decides whether a unit passes v or 0: how far from the edge T the
/// network's values sit (a companion to <see cref="FlushStatistics"/>, which only counts the silenced ones).
/// </summary>
public static class PreActivationHistogram
{
    /// <summary>Default bins per factor of 2.</summary>
    public const int DefaultBinsPerOctave = 4;

    /// <summary>Default octaves covered on each side of the threshold.</summary>
    public const int DefaultOctavesEachSide = 40;

    /// <summary>
    /// Runs the fused executor's layers over the first <paramref name="limit"/> examples (all by default) of
    /// <paramref name="data"/> and bins, per layer, |v| = |D_in(h·W) + D_in(b)|, the value the layer's outer dead
    /// zone tests against its threshold (see <see cref="LayerPreActivationHistogram"/> for the bins).
    /// </summary>
    /// <exception cref="ArgumentException">The data's width does not match the network's inputs.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Fewer than one bin per octave or octave each side.</exception>
    public static IReadOnlyList<LayerPreActivationHistogram> Measure(
        NetworkParameters parameters, LabeledImages data, int? limit = null, EngineSettings? engine = null,
        int binsPerOctave = DefaultBinsPerOctave, int octavesEachSide = DefaultOctavesEachSide)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(binsPerOctave, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(octavesEachSide, 1);
        NetworkArchitecture net = parameters.Architecture;
        if (data.Features != net.Inputs)
        {
            throw new ArgumentException($"The network takes {net.Inputs} inputs; the data has {data.Features} features.", nameof(data));
        }

        engine ??= EngineSettings.Default;
        int count = Math.Min(limit ?? data.Count, data.Count);
        int widest = net.Widths.Skip(1).Max();
        int chunk = Math.Min(Evaluation.ChunkRows, Math.Max(count, 1));
        float[] front = new float[chunk * widest], back = new float[chunk * widest], product = new float[chunk * widest], bias = new float[widest];
        int bins = 2 * binsPerOctave * octavesEachSide, thresholdBin = binsPerOctave * octavesEachSide;
        var counts = new long[net.LayerCount][];
        var below = new long[net.LayerCount];
        var above = new long[net.LayerCount];
        var zeroProducts = new long[net.LayerCount];
        for (int l = 0; l < net.LayerCount; l++)
        {
            counts[l] = new long[bins];
        }

        for (int start = 0; start < count; start += chunk)
        {
            int rows = Math.Min(chunk, count - start);
            ReadOnlySpan2D<float> source = data.PixelMatrix.Slice(start, 0, rows, data.Features);
            for (int l = 0; l < net.LayerCount; l++)
            {
                int width = net.Widths[l + 1];
                (float inner, float outer) = FusedExecutor.Thresholds(net, l);
                var output = new Span2D<float>(front, 0, rows, width, 0);
                var raw = new Span2D<float>(product, 0, rows, width, 0);
                FusedExecutor.Layer(parameters, l, source, output, bias.AsMemory(0, width), raw, engine);
                ReadOnlySpan<float> flushedBias = bias.AsSpan(0, width);
                long[] layerCounts = counts[l];
                for (int r = 0; r < rows; r++)
                {
                    ReadOnlySpan<float> p = raw.GetRowSpan(r);
                    for (int u = 0; u < width; u++)
                    {
                        if (p[u] == 0f)
                        {
                            zeroProducts[l]++;
                            continue;
                        }

                        // The sum the epilogue forms before its outer dead zone (DAZ on the product, bias already flushed).
                        float v = (MathF.Abs(p[u]) < inner ? 0f : p[u]) + flushedBias[u];
                        int bin = Bin(MathF.Abs(v), outer, binsPerOctave, thresholdBin);
                        if (bin < 0)
                        {
                            below[l]++;
                        }
                        else if (bin >= bins)
                        {
                            above[l]++;
                        }
                        else
                        {
                            layerCounts[bin]++;
                        }
                    }
                }

                source = output;
                (front, back) = (back, front);
            }
        }

        var layers = new LayerPreActivationHistogram[net.LayerCount];
        for (int l = 0; l < net.LayerCount; l++)
        {
            layers[l] = new LayerPreActivationHistogram(
                l, net.Widths[l + 1], count, net.DeadZoneThreshold, binsPerOctave, octavesEachSide, counts[l], below[l], above[l], zeroProducts[l]);
        }

        return layers;
    }

    // The bin of a magnitude: -1 below the lowest edge, ≥ 2·thresholdBin at or over the highest. The side of T
    // is decided by the dead zone's own comparison, so rounding in the logarithm never moves a value across it.
    private static int Bin(float magnitude, float threshold, int binsPerOctave, int thresholdBin)
    {
        bool inside = magnitude < threshold;
        if (magnitude == 0f)
        {
            return -1;
        }

        if (!float.IsFinite(magnitude))
        {
            return int.MaxValue;
        }

        double position = Math.Floor(Math.Log2(magnitude / (double)threshold) * binsPerOctave);
        int bin = (int)Math.Clamp(position + thresholdBin, -1, (2.0 * thresholdBin) + 1);
        return inside ? Math.Min(bin, thresholdBin - 1) : Math.Max(bin, thresholdBin);
    }
}
