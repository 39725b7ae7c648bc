using System.Globalization;
using System.Text;
using CpuLinear.Checkpoints;
using CpuLinear.Networks;

namespace CpuLinear.Experiments;

/// <summary>
/// A sweep's results as one table, CSV for programs and Markdown for people: one row per finished cell in the grid's
/// order, its accuracy under each semantics, the linear ceiling beside every row. Nothing that varies from run to run
/// (wall times) goes in, so a resumed sweep writes the same bytes as an uninterrupted one.
/// </summary>
public static class SweepTable
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>
    /// The CSV: <c>dataset,depth,width,scale_exponent,dead_zone_edge,trainer,steps</c>, then <c>train_SEM,test_SEM</c>
    /// per semantics, then <c>ceiling_train,ceiling_test</c>; accuracies as fractions, round-trip precision.
    /// </summary>
    public static string Csv(SweepPlan plan, IReadOnlyList<SweepCellResult> results, SweepCeiling ceiling)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(ceiling);
        var text = new StringBuilder();
        text.Append("dataset,depth,width,scale_exponent,dead_zone_edge,trainer,steps");
        foreach (FloatSemantics s in plan.Grid.Semantics)
        {
            text.Append(Invariant, $",train_{CheckpointNames.Of(s)},test_{CheckpointNames.Of(s)}");
        }

        text.Append(",ceiling_train,ceiling_test\n");
        foreach (SweepCellResult r in results)
        {
            SweepCell c = r.Cell;
            text.Append(Invariant, $"{plan.Settings.Dataset},{c.Depth},{c.Width},{c.ScaleExponent},{Edge(c.ScaleExponent):R},{SweepTrainers.Name(c.Trainer)},{r.Steps}");
            foreach (SweepAccuracy a in r.Accuracies)
            {
                text.Append(Invariant, $",{a.Train:R},{a.Test:R}");
            }

            text.Append(Invariant, $",{ceiling.Train:R},{ceiling.Test:R}\n");
        }

        return text.ToString();
    }

    /// <summary>
    /// The Markdown: a heading naming the dataset, the command that reproduces the sweep, the ceiling, then one row
    /// per cell with its test accuracy under each semantics, its training accuracy under the first, and the gain over
    /// the ceiling under the first.
    /// </summary>
    /// <param name="plan">The sweep.</param>
    /// <param name="results">The finished cells, in the grid's order.</param>
    /// <param name="ceiling">The linear ceiling.</param>
    /// <param name="command">The command line that runs this plan.</param>
    /// <param name="testExamples">Test examples each accuracy was measured on.</param>
    public static string Markdown(SweepPlan plan, IReadOnlyList<SweepCellResult> results, SweepCeiling ceiling, string command, int testExamples)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(ceiling);
        IReadOnlyList<FloatSemantics> semantics = plan.Grid.Semantics;
        string first = CheckpointNames.Of(semantics[0]);
        var text = new StringBuilder();
        text.Append(Invariant, $"# Sweep on {plan.Settings.Dataset}\n\n");
        text.Append(Invariant, $"`{command}`\n\n");
        text.Append(Invariant, $"{results.Count} of {plan.Grid.Count} cells. Every accuracy is measured with the literal float32 program, on {testExamples} test examples. ");
        text.Append(Invariant, $"Linear ceiling (softmax regression trained to convergence{(ceiling.Converged ? "" : ", stopped by the epoch bound")}, {ceiling.Epochs} epochs): ");
        text.Append(Invariant, $"train {Percent(ceiling.Train)}, test **{Percent(ceiling.Test)}**. ");
        text.Append("Depth counts weight layers (the blog's network has depth 3); S sets the dead zone's edge 2^(S−126) in scaled units.\n\n");
        text.Append("| depth | width | S | edge | trainer |");
        foreach (FloatSemantics s in semantics)
        {
            text.Append(Invariant, $" test {CheckpointNames.Of(s)} |");
        }

        text.Append(Invariant, $" train {first} | test − ceiling ({first}) | steps |\n");
        text.Append("|---|---|---|---|---|");
        text.Append(string.Concat(Enumerable.Repeat("---|", semantics.Count + 3)));
        text.Append('\n');
        foreach (SweepCellResult r in results)
        {
            SweepCell c = r.Cell;
            text.Append(Invariant, $"| {c.Depth} | {c.Width} | {c.ScaleExponent} | 2^{c.ScaleExponent - 126} | {SweepTrainers.Name(c.Trainer)} |");
            foreach (SweepAccuracy a in r.Accuracies)
            {
                text.Append(Invariant, $" {Percent(a.Test)} |");
            }

            double gain = (r.Accuracies[0].Test - ceiling.Test) * 100;
            text.Append(Invariant, $" {Percent(r.Accuracies[0].Train)} | {gain:+0.00;−0.00;0.00} | {r.Steps} |\n");
        }

        return text.ToString();
    }

    /// <summary>The dead zone's edge 2^(S−126) in scaled units.</summary>
    public static double Edge(int scaleExponent) => Math.ScaleB(1.0, scaleExponent - 126);

    private static string Percent(double value) => (value * 100).ToString("F2", Invariant) + "%";
}
