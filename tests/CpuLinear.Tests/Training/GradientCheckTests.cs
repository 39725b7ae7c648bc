using CpuLinear.Networks;
using CpuLinear.Training;

namespace CpuLinear.Tests.Training;

/// <summary>Backprop against central finite differences of the same float32 loss.</summary>
public sealed class GradientCheckTests
{
    private const float Step = 1e-3f;
    private static readonly NetworkArchitecture Net = new([6, 5, 4, 3]);

    [Fact]
    public void Pure_linear_gradient_matches_finite_differences()
    {
        NetworkParameters parameters = TrainingTestNetworks.Tiny(Net, 3);
        var trainer = new BackpropTrainer(parameters, GradientMode.PureLinear);
        (float[] inputs, byte[] labels) = TrainingTestNetworks.Batch(Net, 5, 4);

        var gradient = new float[parameters.Values.Length];
        trainer.ComputeGradient(TrainingTestNetworks.Matrix(inputs, Net.Inputs), labels, gradient, out _);
        for (int i = 0; i < parameters.Values.Length; i++)
        {
            double numeric = FiniteDifference(trainer, inputs, labels, i);
            AssertClose(numeric, gradient[i], i);
        }
    }

    [Fact]
    public void Ftz_aware_gradient_matches_finite_differences_away_from_dead_zone_edges()
    {
        NetworkParameters parameters = TrainingTestNetworks.Tiny(Net, 5);
        var trainer = new BackpropTrainer(parameters, GradientMode.FtzAware);
        (float[] inputs, byte[] labels) = TrainingTestNetworks.Batch(Net, 5, 6);

        var gradient = new float[parameters.Values.Length];
        trainer.ComputeGradient(TrainingTestNetworks.Matrix(inputs, Net.Inputs), labels, gradient, out _);
        bool[] pattern = DeadZonePattern(parameters, inputs);
        int flushedSomewhere = pattern.Count(alive => !alive);
        Assert.True(flushedSomewhere > 0, "The test network must flush some values, or FTZ-aware equals straight-through.");

        int checkedCount = 0;
        for (int i = 0; i < parameters.Values.Length; i++)
        {
            // A step that moves any value across a dead-zone edge makes the loss jump: skip that parameter.
            float original = parameters.Values[i];
            parameters.Values[i] = original + Step;
            bool same = DeadZonePattern(parameters, inputs).SequenceEqual(pattern);
            parameters.Values[i] = original - Step;
            same &= DeadZonePattern(parameters, inputs).SequenceEqual(pattern);
            parameters.Values[i] = original;
            if (!same)
            {
                continue;
            }

            AssertClose(FiniteDifference(trainer, inputs, labels, i), gradient[i], i);
            checkedCount++;
        }

        Assert.True(checkedCount >= parameters.Values.Length * 3 / 4, $"Only {checkedCount} of {parameters.Values.Length} parameters were away from an edge.");
    }

    [Fact]
    public void Ftz_aware_zeroes_gradients_that_straight_through_passes_through_flushed_values()
    {
        NetworkParameters parameters = TrainingTestNetworks.Tiny(Net, 5);
        parameters.Bias(1)[0] = 0.25f; // inside the dead zone |b| < T = 0.5: b/s is flushed
        parameters.Bias(1)[1] = -0.75f; // outside it
        (float[] inputs, byte[] labels) = TrainingTestNetworks.Batch(Net, 5, 6);
        float[] aware = Gradient(parameters, GradientMode.FtzAware, inputs, labels);
        float[] straight = Gradient(parameters, GradientMode.StraightThrough, inputs, labels);

        // A flushed bias gets no gradient from the true derivative, but the straight-through one ignores the flush.
        int layer = 1;
        Span<float> bias = parameters.Bias(layer);
        int offset = Net.BiasOffset(layer);
        int flushedBiases = 0;
        for (int j = 0; j < bias.Length; j++)
        {
            if (MathF.Abs(bias[j]) < Net.DeadZoneThreshold)
            {
                flushedBiases++;
                Assert.Equal(0f, aware[offset + j]);
                Assert.NotEqual(0f, straight[offset + j]);
            }
        }

        Assert.True(flushedBiases > 0);
        Assert.NotEqual(0f, aware[offset + 1]); // a surviving bias still gets the true gradient
    }

    [Fact]
    public void Without_any_flush_the_three_gradients_are_the_same_bits()
    {
        // With S = 1 the dead zone's edge is 2^-125: nothing in this network comes near it, so the dead-zone
        // forward equals the linear one and straight-through, FTZ-aware and pure-linear must agree exactly.
        var net = new NetworkArchitecture([6, 5, 4, 3], scaleExponent: 1);
        NetworkParameters parameters = TrainingTestNetworks.Tiny(net, 8);
        (float[] inputs, byte[] labels) = TrainingTestNetworks.Batch(net, 7, 9);
        float[] linear = Gradient(parameters, GradientMode.PureLinear, inputs, labels);
        Assert.Equal(linear, Gradient(parameters, GradientMode.StraightThrough, inputs, labels));
        Assert.Equal(linear, Gradient(parameters, GradientMode.FtzAware, inputs, labels));
    }

    private static float[] Gradient(NetworkParameters parameters, GradientMode mode, float[] inputs, byte[] labels)
    {
        var gradient = new float[parameters.Values.Length];
        new BackpropTrainer(parameters, mode).ComputeGradient(TrainingTestNetworks.Matrix(inputs, parameters.Architecture.Inputs), labels, gradient, out _);
        return gradient;
    }

    private static double FiniteDifference(BackpropTrainer trainer, float[] inputs, byte[] labels, int index)
    {
        float[] values = trainer.Parameters.Values;
        float original = values[index];
        var scratch = new float[values.Length];
        values[index] = original + Step;
        double plus = trainer.ComputeGradient(TrainingTestNetworks.Matrix(inputs, Net.Inputs), labels, scratch, out _);
        values[index] = original - Step;
        double minus = trainer.ComputeGradient(TrainingTestNetworks.Matrix(inputs, Net.Inputs), labels, scratch, out _);
        values[index] = original;
        // The actual distance between the perturbed floats, not 2·Step, which float rounding changes slightly.
        return (plus - minus) / ((double)(original + Step) - (original - Step));
    }

    private static void AssertClose(double numeric, float analytic, int index)
    {
        // Float32 forward: the loss carries ~1e-7 relative rounding, divided by the 2e-3 step.
        double tolerance = 2e-4 + (2e-3 * Math.Abs(numeric));
        Assert.True(Math.Abs(numeric - analytic) <= tolerance, $"Parameter {index}: backprop {analytic}, finite difference {numeric}.");
    }

    /// <summary>Which values survive each flush: products entering the add, flushed biases and layer outputs.</summary>
    private static bool[] DeadZonePattern(NetworkParameters parameters, float[] inputs)
    {
        NetworkArchitecture net = parameters.Architecture;
        int rows = inputs.Length / net.Inputs;
        var pattern = new List<bool>();
        float[] source = inputs;
        for (int l = 0; l < net.LayerCount; l++)
        {
            int fanIn = net.Widths[l], fanOut = net.Widths[l + 1];
            var output = new float[rows * fanOut];
            var product = new float[rows * fanOut];
            var bias = new float[fanOut];
            FusedExecutor.Layer(parameters, l, new(source, rows, fanIn), new(output, rows, fanOut), bias, new(product, rows, fanOut), EngineSettings.Default);
            float inner = FusedExecutor.Thresholds(net, l).Inner;
            pattern.AddRange(product.Select(p => MathF.Abs(p) >= inner));
            pattern.AddRange(bias.Select(b => b != 0f));
            pattern.AddRange(output.Select(o => o != 0f));
            source = output;
        }

        return [.. pattern];
    }
}
