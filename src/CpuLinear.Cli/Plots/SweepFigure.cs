using System.Globalization;
using CpuLinear.Checkpoints;
using CpuLinear.Experiments;
using CpuLinear.Networks;
using ScottPlot;

namespace CpuLinear.Cli.Plots;

/// <summary>
/// The figures of <c>sweep</c>: test accuracy against depth (at one scale exponent) and against the scale exponent
/// (at one depth), one colour per trainer, solid under the grid's first semantics and dashed under <c>ieee</c> (the
/// same weights with the flush removed) beside it, and the linear ceiling as a dotted line.
/// </summary>
internal static class SweepFigure
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The scale exponent the depth figure is drawn at: the blog's 125 when the grid has it, else the largest.</summary>
    public static int ReferenceScale(SweepGrid grid) => grid.ScaleExponents.Contains(125) ? 125 : grid.ScaleExponents.Max();

    /// <summary>The depth the scale figure is drawn at: the blog's 3 when the grid has it, else the smallest.</summary>
    public static int ReferenceDepth(SweepGrid grid) => grid.Depths.Contains(3) ? 3 : grid.Depths.Min();

    /// <summary>The search pattern every figure's name matches, whatever the grid.</summary>
    public const string Pattern = "accuracy-vs-*.png";

    /// <summary>The figures' file names: one pair for a grid of one width, one pair per width otherwise.</summary>
    public static IReadOnlyList<(string File, bool AgainstDepth, int Width)> Files(SweepGrid grid) =>
    [
        .. grid.Widths.SelectMany(w => new[]
        {
            (Name("accuracy-vs-depth", w, grid), true, w),
            (Name("accuracy-vs-scale", w, grid), false, w),
        }),
    ];

    /// <summary>
    /// One figure as PNG bytes: against depth (<paramref name="againstDepth"/>) at <see cref="ReferenceScale"/>, or
    /// against S at <see cref="ReferenceDepth"/>, for hidden width <paramref name="width"/>; cells not yet finished are left out.
    /// </summary>
    public static byte[] Png(SweepPlan plan, IReadOnlyList<SweepCellResult> results, SweepCeiling ceiling, bool againstDepth, int width)
    {
        SweepGrid grid = plan.Grid;
        int scale = ReferenceScale(grid), depth = ReferenceDepth(grid);
        FloatSemantics main = grid.Semantics[0];
        int ablation = grid.Semantics.ToList().IndexOf(FloatSemantics.Ieee);
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (int t = 0; t < grid.Trainers.Count; t++)
        {
            SweepTrainer trainer = grid.Trainers[t];
            SweepCellResult[] line = [.. results
                .Where(r => r.Cell.Trainer == trainer && r.Cell.Width == width && (againstDepth ? r.Cell.ScaleExponent == scale : r.Cell.Depth == depth))
                .OrderBy(r => againstDepth ? r.Cell.Depth : r.Cell.ScaleExponent)];
            if (line.Length == 0)
            {
                continue;
            }

            double[] x = [.. line.Select(r => (double)(againstDepth ? r.Cell.Depth : r.Cell.ScaleExponent))];
            Color color = palette.GetColor(t);
            var solid = plot.Add.ScatterLine(x, [.. line.Select(r => r.Accuracies[0].Test * 100)]);
            solid.Color = color;
            solid.MarkerSize = 6;
            solid.LineWidth = 2;
            solid.LegendText = SweepTrainers.Name(trainer);
            if (ablation > 0)
            {
                var dashed = plot.Add.ScatterLine(x, [.. line.Select(r => r.Accuracies[ablation].Test * 100)]);
                dashed.Color = color;
                dashed.MarkerSize = 4;
                dashed.LineWidth = 1.5f;
                dashed.LinePattern = LinePattern.Dashed;
            }
        }

        // One legend entry for the line styles rather than one per trainer and style.
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = $"solid: {CheckpointNames.Of(main)}", LineColor = Colors.Gray, LineWidth = 2 });
        if (ablation > 0)
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = "dashed: ieee (flush removed)", LineColor = Colors.Gray, LineWidth = 2, LinePattern = LinePattern.Dashed });
        }

        var ceilingLine = plot.Add.HorizontalLine(ceiling.Test * 100);
        ceilingLine.LinePattern = LinePattern.Dotted;
        ceilingLine.Color = Colors.Black;
        ceilingLine.LegendText = string.Create(Invariant, $"linear ceiling {ceiling.Test * 100:F2}%");
        plot.Title(againstDepth
            ? string.Create(Invariant, $"{plan.Settings.Dataset}: test accuracy against depth (width {width}, S = {scale})")
            : string.Create(Invariant, $"{plan.Settings.Dataset}: test accuracy against the scale exponent (depth {depth}, width {width})"));
        plot.XLabel(againstDepth ? "depth (weight layers)" : "scale exponent S (dead zone edge 2^(S-126), scaled units)");
        plot.YLabel("test accuracy (%), literal float32");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        double lowest = results.SelectMany(r => r.Accuracies).Select(a => a.Test * 100).Append(ceiling.Test * 100).Min();
        plot.Axes.SetLimitsY(Math.Max(0, Math.Floor((lowest - 5) / 10) * 10), 102);
        if (againstDepth ? grid.Depths.Count == 1 : grid.ScaleExponents.Count == 1)
        {
            double only = againstDepth ? grid.Depths[0] : grid.ScaleExponents[0];
            plot.Axes.SetLimitsX(only - 1, only + 1);
        }

        plot.ShowLegend(Edge.Right);
        return plot.GetImageBytes(900, 560, ImageFormat.Png);
    }

    private static string Name(string stem, int width, SweepGrid grid) =>
        grid.Widths.Count == 1 ? stem + ".png" : string.Create(Invariant, $"{stem}-w{width}.png");
}
