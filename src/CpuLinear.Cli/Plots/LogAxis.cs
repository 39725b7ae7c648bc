using System.Globalization;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace CpuLinear.Cli.Plots;

/// <summary>
/// A logarithmic axis the ScottPlot way: the data are plotted as log10 of the value, and this axis puts major
/// ticks at whole powers of ten, labelled 1e-3, 1e0, 1e6…, with log-spaced minor ticks between them.
/// </summary>
internal static class LogAxis
{
    /// <summary>log10 of <paramref name="value"/>: where a value lands on a <see cref="Apply"/>'d axis.</summary>
    public static double Position(double value) => Math.Log10(value);

    /// <summary>Turns <paramref name="axis"/> into a log10 axis for data given as <see cref="Position"/>.</summary>
    public static void Apply(IAxis axis)
    {
        axis.TickGenerator = new NumericAutomatic
        {
            MinorTickGenerator = new LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = position => string.Create(CultureInfo.InvariantCulture, $"1e{Math.Round(position):0}"),
        };
    }
}
