using CommunityToolkit.HighPerformance;
using CpuLinear.Data;
using CpuLinear.Networks;

namespace CpuLinear.Scoring;

/// <summary>
/// Measures, layer by layer, how often the <see cref="FloatSemantics.FtzElementwise"/> network's dead zones
/// silence a unit: the part of its computation that exists only because float32 flushes (docs/evolution.md
/// compares an ES-trained network with backprop ones this way).
/// </summary>
public static class FlushStatistics
{
    /// <summary>
    /// Runs the fused executor's layers over the first <paramref name="limit"/> examples (all by default) of
    /// <paramref name="data"/>, keeping each layer's raw product, and counts the outputs flushed to zero.
    /// </summary>
    public static IReadOnlyList<LayerFlushStatistics> Measure(NetworkParameters parameters, LabeledImages data, int? limit = null, EngineSettings? engine = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(data);
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
        var flushedPerUnit = new long[net.LayerCount][];
        for (int l = 0; l < net.LayerCount; l++)
        {
            flushedPerUnit[l] = new long[net.Widths[l + 1]];
        }

        for (int start = 0; start < count; start += chunk)
        {
            int rows = Math.Min(chunk, count - start);
            ReadOnlySpan2D<float> source = data.PixelMatrix.Slice(start, 0, rows, data.Features);
            for (int l = 0; l < net.LayerCount; l++)
            {
                int width = net.Widths[l + 1];
                var output = new Span2D<float>(front, 0, rows, width, 0);
                var raw = new Span2D<float>(product, 0, rows, width, 0);
                FusedExecutor.Layer(parameters, l, source, output, bias.AsMemory(0, width), raw, engine);
                long[] flushed = flushedPerUnit[l];
                for (int r = 0; r < rows; r++)
                {
                    ReadOnlySpan<float> y = output.GetRowSpan(r), p = raw.GetRowSpan(r);
                    for (int u = 0; u < width; u++)
                    {
                        if (y[u] == 0f && p[u] != 0f)
                        {
                            flushed[u]++;
                        }
                    }
                }

                source = output;
                (front, back) = (back, front);
            }
        }

        var layers = new LayerFlushStatistics[net.LayerCount];
        for (int l = 0; l < net.LayerCount; l++)
        {
            long[] flushed = flushedPerUnit[l];
            double total = 0;

            int mostly = 0, rarely = 0;
            foreach (long f in flushed)
            {
                total += f;
                mostly += count > 0 && f >= 0.99 * count ? 1 : 0;
                rarely += count > 0 && f <= 0.01 * count ? 1 : 0;
            }

            int units = flushed.Length;
            layers[l] = new LayerFlushStatistics(
                l, units, parameters.WeightRms(l), count == 0 ? 0 : total / ((double)count * units), mostly, rarely, count);
        }

        return layers;
    }
}
