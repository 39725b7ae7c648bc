using ScottPlot;

namespace CpuLinear.Cli.Plots;

/// <summary>The figure of <c>plot-runs</c>: test accuracy of several runs against one x, one line per run.</summary>
internal static class RunComparisonFigure
{
    /// <summary>The option value that names each axis, as <c>--x</c> takes it.</summary>
    public static string Name(RunAxis axis) => axis switch
    {
        RunAxis.SampleEvaluations => "sample-evaluations",
        RunAxis.Generations => "generations",
        _ => "seconds",
    };

    /// <summary>The figure as PNG bytes; <paramref name="runs"/> give x (in the axis's own units, not log) and test accuracy (0–1).</summary>
    public static byte[] Png(IReadOnlyList<(string Label, IReadOnlyList<(double X, double Accuracy)> Points)> runs, RunAxis axis)
    {
        bool log = axis == RunAxis.SampleEvaluations;
        var plot = new Plot();
        foreach (var (label, points) in runs)
        {
            var line = plot.Add.ScatterLine(
                points.Select(p => log ? LogAxis.Position(p.X) : p.X).ToArray(), points.Select(p => p.Accuracy * 100).ToArray());
            line.LegendText = label;
            line.MarkerSize = points.Count == 1 ? 6 : 0;
        }

        if (log)
        {
            LogAxis.Apply(plot.Axes.Bottom);
        }

        plot.Title("ES test accuracy (ftz-elementwise)");
        plot.XLabel(axis switch
        {
            RunAxis.SampleEvaluations => "sample evaluations (members x minibatch rows, cumulative; log scale)",
            RunAxis.Generations => "generation",
            _ => "seconds",
        });
        plot.YLabel("test accuracy (%)");
        plot.ShowLegend();
        return plot.GetImageBytes(900, 560, ImageFormat.Png);
    }
}
