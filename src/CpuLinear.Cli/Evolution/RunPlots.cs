using CommunityToolkit.HighPerformance;
using CpuLinear.Networks;
using ScottPlot;

namespace CpuLinear.Cli.Evolution;

/// <summary>PNG figures of a run: learning curves, and what a hidden unit computes under each float semantics.</summary>
internal static class RunPlots
{
    /// <summary>Minibatch loss of θ per generation, one line per run.</summary>
    public static void Loss(string path, IReadOnlyList<(string Name, IReadOnlyList<GenerationMetrics> Metrics)> runs)
    {
        var plot = new Plot();
        foreach (var (name, metrics) in runs)
        {
            var line = plot.Add.ScatterLine(metrics.Select(m => (double)m.Generation).ToArray(), metrics.Select(m => m.BatchLoss).ToArray());
            line.LegendText = name;
        }

        plot.Title("ES: minibatch cross-entropy of θ");
        plot.XLabel("generation");
        plot.YLabel("loss");
        plot.ShowLegend();
        Save(plot, path);
    }

    /// <summary>Train and test accuracy (fused executor) at each evaluated generation, against wall time.</summary>
    public static void Accuracy(string path, IReadOnlyList<(string Name, IReadOnlyList<GenerationMetrics> Metrics)> runs, double? linearCeiling)
    {
        var plot = new Plot();
        foreach (var (name, metrics) in runs)
        {
            GenerationMetrics[] evaluated = metrics.Where(m => m.TestAccuracy is not null).ToArray();
            var test = plot.Add.ScatterLine(evaluated.Select(m => m.ElapsedSeconds).ToArray(), evaluated.Select(m => m.TestAccuracy!.Value * 100).ToArray());
            test.LegendText = $"{name} test";
            var train = plot.Add.ScatterLine(evaluated.Select(m => m.ElapsedSeconds).ToArray(), evaluated.Select(m => m.TrainAccuracy!.Value * 100).ToArray());
            train.LegendText = $"{name} train";
            train.LinePattern = LinePattern.Dashed;
        }

        if (linearCeiling is { } ceiling)
        {
            var line = plot.Add.HorizontalLine(ceiling * 100);
            line.LegendText = "linear classifier (test)";
            line.LinePattern = LinePattern.Dotted;
        }

        plot.Title("ES accuracy (ftz-elementwise) against wall time");
        plot.XLabel("seconds");
        plot.YLabel("accuracy (%)");
        plot.ShowLegend();
        Save(plot, path);
    }

    /// <summary>
    /// The effective activation of a hidden unit: a 1-1-1 network with unit weights and zero biases run by the
    /// literal float32 program, so each curve is what the hardware computes, not a formula. The input is the
    /// pre-activation in scaled units (x·W); under flush-to-zero everything with |v| below 0.5 comes out 0.
    /// </summary>
    public static void EffectiveActivation(string path, NetworkArchitecture blog)
    {
        var net = new NetworkArchitecture([1, 1, 1], blog.ScaleExponent);
        var parameters = new NetworkParameters(net, new float[net.ParameterCount]);
        parameters.Weights(0)[0] = 1f;
        parameters.Weights(1)[0] = 1f;
        const int points = 801;
        var inputs = new float[points];
        for (int i = 0; i < points; i++)
        {
            inputs[i] = -2f + (4f * i / (points - 1));
        }

        var plot = new Plot();
        foreach (FloatSemantics semantics in Enum.GetValues<FloatSemantics>())
        {
            var outputs = new float[points];
            new LiteralExecutor(semantics).Forward(parameters, new ReadOnlySpan2D<float>(inputs, points, 1), new Span2D<float>(outputs, points, 1));
            var line = plot.Add.ScatterLine(inputs.Select(v => (double)v).ToArray(), outputs.Select(v => (double)v).ToArray());
            line.LegendText = semantics.ToString();
        }

        plot.Title($"Effective activation of a hidden unit (s = 2^{blog.ScaleExponent}, literal float32)");
        plot.XLabel("pre-activation x·W (scaled units)");
        plot.YLabel("unit output (scaled units)");
        plot.ShowLegend();
        Save(plot, path);
    }

    private static void Save(Plot plot, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        plot.SavePng(path, 900, 560);
    }
}
