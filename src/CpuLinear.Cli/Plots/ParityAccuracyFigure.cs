using CpuLinear.Checkpoints;
using CpuLinear.Experiments;
using ScottPlot;

namespace CpuLinear.Cli.Plots;

/// <summary>The figure of <c>experiment rnn-parity</c>: test accuracy against sequence length, one line per model and semantics.</summary>
internal static class ParityAccuracyFigure
{
    /// <summary>The legend and table name of a row: model, W kind and semantics.</summary>
    public static string Label(RnnParityRow row) => row.Model switch
    {
        "one-layer" => "one-layer baseline (ES, ieee)",
        "hand-built" => $"hand-built RNN, {RnnParityExperiment.StateMatrixName(row.StateMatrix)} W, {CheckpointNames.Of(row.Semantics)}",
        _ => $"ES-trained RNN, {RnnParityExperiment.StateMatrixName(row.StateMatrix)} W, {CheckpointNames.Of(row.Semantics)}",
    };

    /// <summary>The figure as PNG bytes, with chance (50%), the linear bound (75%) and the best count threshold drawn in.</summary>
    public static byte[] Png(IReadOnlyList<RnnParityRow> rows, string title)
    {
        var plot = new Plot();
        int[] lengths = [.. rows.Select(r => r.Length).Distinct().Order()];
        foreach (IGrouping<string, RnnParityRow> series in rows.GroupBy(Label))
        {
            RnnParityRow[] points = [.. series.OrderBy(r => r.Length)];
            var line = plot.Add.ScatterLine(points.Select(p => Math.Log2(p.Length)).ToArray(), points.Select(p => p.TestAccuracy * 100).ToArray());
            line.LegendText = series.Key;
            line.MarkerSize = 7;
            // Hand-built dashed, the baseline dotted; ftz-elementwise drawn wider so that a line on top of it leaves it visible.
            line.LinePattern = points[0].Model switch { "hand-built" => LinePattern.Dashed, "one-layer" => LinePattern.Dotted, _ => LinePattern.Solid };
            line.LineWidth = points[0].Semantics == CpuLinear.Networks.FloatSemantics.FtzElementwise ? 4 : 1.5f;
        }

        var threshold = plot.Add.ScatterLine(
            lengths.Select(l => Math.Log2(l)).ToArray(), lengths.Select(l => ParitySequences.CountThresholdAccuracy(l) * 100).ToArray());
        threshold.LegendText = "best threshold on the count of ones (a linear classifier)";
        threshold.LinePattern = LinePattern.Dashed;
        threshold.Color = Colors.Gray;
        threshold.MarkerSize = 0;
        var bound = plot.Add.HorizontalLine(75);
        bound.LinePattern = LinePattern.Dashed;
        bound.Color = Colors.Black;
        bound.LineWidth = 1;
        bound.LegendText = "75%: no linear classifier of the bits does better (on all sequences)";
        var chance = plot.Add.HorizontalLine(50);
        chance.LinePattern = LinePattern.Dotted;
        chance.Color = Colors.Black;
        chance.LegendText = "chance (50%)";

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. lengths.Select(l => Math.Log2(l))], [.. lengths.Select(l => l.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        plot.Axes.SetLimitsY(0, 105);
        plot.Title($"Parity by ES: {title}");
        plot.XLabel("sequence length (log scale)");
        plot.YLabel("test accuracy (%)");
        plot.ShowLegend(Alignment.LowerRight);
        return plot.GetImageBytes(900, 560, ImageFormat.Png);
    }
}
