using CpuLinear.Checkpoints;
using CpuLinear.Experiments;
using CpuLinear.Networks;
using ScottPlot;
using SkiaSharp;

namespace CpuLinear.Cli.Plots;

/// <summary>
/// The figure of <c>experiment bottleneck</c>: two panels, ‖s₂‖/‖s₁‖ and ‖s₃‖/‖s₁‖ against the radius (both log),
/// one colour per network, solid under IEEE and dashed under each FTZ semantics.
/// </summary>
internal static class MultilinearityFigure
{
    private const int PanelWidth = 800, PanelHeight = 600;

    /// <summary>The figure as PNG bytes.</summary>
    public static byte[] Png(IReadOnlyList<BottleneckRow> rows, string kind)
    {
        byte[] left = Panel(rows, r => r.SecondOrderRatio, $"second-order term along {kind} directions", "‖s₂(R)‖ / ‖s₁(R)‖ (log scale)");
        byte[] right = Panel(rows, r => r.ThirdOrderRatio, $"third-order term along {kind} directions", "‖s₃(R)‖ / ‖s₁(R)‖ (log scale)");
        using var surface = SKSurface.Create(new SKImageInfo(2 * PanelWidth, PanelHeight));
        surface.Canvas.Clear(SKColors.White);
        using (var a = SKBitmap.Decode(left))
        using (var b = SKBitmap.Decode(right))
        {
            surface.Canvas.DrawBitmap(a, 0, 0);
            surface.Canvas.DrawBitmap(b, PanelWidth, 0);
        }

        using SKImage image = surface.Snapshot();
        using SKData data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private static byte[] Panel(IReadOnlyList<BottleneckRow> rows, Func<BottleneckRow, double> ratio, string title, string yLabel)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        string[] networks = [.. rows.Select(r => r.Network).Distinct()];
        foreach (IGrouping<(string Network, FloatSemantics Semantics), BottleneckRow> series in rows.GroupBy(r => (r.Network, r.Semantics)))
        {
            BottleneckRow[] points = [.. series.Where(r => ratio(r) > 0 && double.IsFinite(ratio(r))).OrderBy(r => r.Radius)];
            if (points.Length == 0)
            {
                continue;
            }

            var line = plot.Add.ScatterLine(points.Select(p => LogAxis.Position(p.Radius)).ToArray(), points.Select(p => LogAxis.Position(ratio(p))).ToArray());
            line.LegendText = $"{series.Key.Network}, {CheckpointNames.Of(series.Key.Semantics)}";
            line.Color = palette.GetColor(Array.IndexOf(networks, series.Key.Network));
            line.LinePattern = series.Key.Semantics == FloatSemantics.Ieee ? LinePattern.Solid : LinePattern.Dashed;
            line.MarkerSize = 4;
        }

        LogAxis.Apply(plot.Axes.Bottom);
        LogAxis.Apply(plot.Axes.Left);
        plot.Title(title);
        plot.XLabel("radius R (NTK norm of the weight change; log scale)");
        plot.YLabel(yLabel);
        plot.ShowLegend(Alignment.LowerRight);
        plot.Legend.FontSize = 9;
        return plot.GetImageBytes(PanelWidth, PanelHeight, ImageFormat.Png);
    }
}
