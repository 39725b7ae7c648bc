using System.Globalization;
using System.Text;
using CpuLinear.Scoring;
using ScottPlot;

namespace CpuLinear.Cli.Plots;

/// <summary>
/// The figure and table of <c>evaluate --histogram</c>: per layer, the distribution of |v| entering the dead zone
/// (<see cref="PreActivationHistogram"/>) on a log axis, with the zone's edge drawn in.
/// </summary>
internal static class PreActivationFigure
{
    /// <summary>The CSV's header: one row per (layer, bin).</summary>
    /// <remarks>
    /// <c>kind</c> is <c>bin</c> for a histogram bin [lower, upper), <c>below</c> for the values under the lowest
    /// edge (lower 0, exact zeros included), <c>above</c> for those at or over the highest (upper inf), and
    /// <c>zero_product</c> for the values whose product h·W was exactly 0 (not binned; no edges). <c>fraction</c> is
    /// of the layer's examples·units values; <c>inside</c> is 1 for the bins inside the dead zone (|v| &lt;
    /// threshold), so the inside fraction is the sum of <c>fraction</c> over those rows.
    /// </remarks>
    public const string CsvHeader = "layer,kind,lower,upper,count,fraction,inside,threshold";

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The CSV written beside <paramref name="png"/>: the same name with <c>.csv</c> for its extension.</summary>
    public static string CsvPath(string png) => Path.ChangeExtension(png, ".csv");

    /// <summary>The legend entry of a layer: its index, width and the share of its values inside the dead zone.</summary>
    /// <remarks>
    /// The values under the lowest bin (mostly exact zeros: past the first layer, DAZ at the same edge flushes a
    /// small product before the bias is added) are inside but off the axis, so the entry says how many there are.
    /// </remarks>
    public static string Legend(LayerPreActivationHistogram layer) =>
        string.Create(Invariant, $"layer {layer.Layer} ({layer.Units} units): {layer.InsideFraction:P1} inside the dead zone ({(layer.Values == 0 ? 0 : layer.Below / (double)layer.Values):P1} at |v| ≈ 0, off the axis)");

    /// <summary>The figure as PNG bytes: one line per layer over the bins any layer uses, and the threshold.</summary>
    public static byte[] Png(IReadOnlyList<LayerPreActivationHistogram> layers, string title)
    {
        (int first, int last) = UsedBins(layers);
        var plot = new Plot();
        foreach (LayerPreActivationHistogram layer in layers)
        {
            int count = Math.Max(last - first + 1, 0);
            double[] x = new double[count], y = new double[count];
            for (int i = 0; i < count; i++)
            {
                int bin = first + i;
                x[i] = LogAxis.Position(Math.Sqrt(layer.LowerEdge(bin) * layer.UpperEdge(bin)));
                y[i] = layer.Fraction(bin) * 100;
            }

            var line = plot.Add.ScatterLine(x, y);
            line.LegendText = Legend(layer);
        }

        float threshold = layers[0].Threshold;
        var edge = plot.Add.VerticalLine(LogAxis.Position(threshold));
        edge.LinePattern = LinePattern.Dashed;
        edge.LegendText = string.Create(Invariant, $"dead zone edge |v| = {threshold:R}");
        LogAxis.Apply(plot.Axes.Bottom);
        plot.Title(title);
        plot.XLabel("|v| entering the dead zone (scaled units, log scale)");
        plot.YLabel(string.Create(Invariant, $"% of the layer's outputs per bin ({layers[0].BinsPerOctave} bins per octave)"));
        plot.ShowLegend(Alignment.UpperLeft);
        return plot.GetImageBytes(900, 560, ImageFormat.Png);
    }

    /// <summary>The table (see <see cref="CsvHeader"/>), over the same bins as the figure.</summary>
    public static string Csv(IReadOnlyList<LayerPreActivationHistogram> layers)
    {
        (int first, int last) = UsedBins(layers);
        var text = new StringBuilder(CsvHeader).Append('\n');
        foreach (LayerPreActivationHistogram h in layers)
        {
            double values = Math.Max(h.Values, 1);
            void Row(string kind, string lower, string upper, long count, string inside) =>
                text.Append(Invariant, $"{h.Layer},{kind},{lower},{upper},{count},{(count / values).ToString("R", Invariant)},{inside},{h.Threshold.ToString("R", Invariant)}\n");

            Row("below", "0", R(h.LowerEdge(0)), h.Below, "1");
            for (int bin = first; bin <= last; bin++)
            {
                Row("bin", R(h.LowerEdge(bin)), R(h.UpperEdge(bin)), h.Counts[bin], bin < h.ThresholdBin ? "1" : "0");
            }

            Row("above", R(h.LowerEdge(h.Counts.Count)), "inf", h.Above, "0");
            Row("zero_product", "", "", h.ZeroProducts, "0");
        }

        return text.ToString();
    }

    // The first and last bin with a count in any layer, always including the two bins around the threshold; bins
    // outside this range are empty in every layer and are left out of the figure and the table (their counts are 0).
    private static (int First, int Last) UsedBins(IReadOnlyList<LayerPreActivationHistogram> layers)
    {
        int first = layers[0].ThresholdBin - 1, last = layers[0].ThresholdBin;
        foreach (LayerPreActivationHistogram layer in layers)
        {
            for (int bin = 0; bin < layer.Counts.Count; bin++)
            {
                if (layer.Counts[bin] > 0)
                {
                    first = Math.Min(first, bin);
                    last = Math.Max(last, bin);
                }
            }
        }

        return (first, last);
    }

    private static string R(double value) => value.ToString("R", Invariant);
}
