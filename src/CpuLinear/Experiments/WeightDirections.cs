using CpuLinear.Networks;
using CpuLinear.Randomness;

namespace CpuLinear.Experiments;

/// <summary>
/// Random unit directions in the weight space of a <see cref="NetworkArchitecture"/> (biases are never moved), with
/// length measured in the network's NTK coordinates: a weight of layer l counts as W·√(fan-in/2), the coordinate in
/// which its initialisation is standard normal, so ‖u‖ = √(Σₗ (fan-inₗ/2)·‖ΔWₗ‖²).
/// </summary>
/// <remarks>
/// Everything is computed in double with plain loops in a fixed order (no fused multiply-add, no libm), then rounded
/// to float once, so a direction is a pure function of (θ₀, inputs, seed, index).
/// </remarks>
public static class WeightDirections
{
    /// <summary>‖v‖ in NTK coordinates, over the weights only (biases are ignored).</summary>
    public static double NtkNorm(NetworkArchitecture architecture, ReadOnlySpan<float> values)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        double sum = 0;
        for (int layer = 0; layer < architecture.LayerCount; layer++)
        {
            double weight = architecture.Widths[layer] / 2.0, layerSum = 0;
            foreach (float v in values.Slice(architecture.WeightOffset(layer), architecture.Widths[layer] * architecture.Widths[layer + 1]))
            {
                layerSum += (double)v * v;
            }

            sum += weight * layerSum;
        }

        return Math.Sqrt(sum);
    }

    /// <summary>
    /// Direction <paramref name="index"/> of <paramref name="kind"/> at θ₀ (see <see cref="WeightDirectionKind"/>), of
    /// unit NTK norm, as a full parameter vector whose biases are 0.
    /// </summary>
    /// <param name="parameters">θ₀.</param>
    /// <param name="inputs">The rows the outputs are measured on (samples x inputs), for tangent directions.</param>
    /// <param name="kind">Tangent or isotropic.</param>
    /// <param name="seed">The experiment's seed.</param>
    /// <param name="index">Which direction.</param>
    public static float[] Draw(NetworkParameters parameters, ReadOnlySpan<float> inputs, WeightDirectionKind kind, ulong seed, int index)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        NetworkArchitecture net = parameters.Architecture;
        var direction = new double[net.ParameterCount];
        if (kind == WeightDirectionKind.Isotropic)
        {
            var draw = new float[net.ParameterCount];
            for (int layer = 0; layer < net.LayerCount; layer++)
            {
                int count = net.Widths[layer] * net.Widths[layer + 1];
                new CounterRandom(seed, CounterRandom.StreamOf(0x1507, (ulong)index, (ulong)layer))
                    .FillNormal(draw.AsSpan(net.WeightOffset(layer), count), MathF.Sqrt(2f / net.Widths[layer]));
            }

            for (int i = 0; i < draw.Length; i++)
            {
                direction[i] = draw[i];
            }
        }
        else
        {
            Tangent(parameters, inputs, seed, index, direction);
        }

        return Normalised(net, direction);
    }

    // ΔWₗ ∝ (2/fan-in)·hₗ₋₁ᵀ·Gₗ: the NTK-coordinate gradient of Σ α·f mapped back to weights, where hₗ₋₁ = x·W₁⋯Wₗ₋₁
    // and Gₗ = α·W_Lᵀ⋯Wₗ₊₁ᵀ are the linear network's activations and back-propagated α.
    private static void Tangent(NetworkParameters parameters, ReadOnlySpan<float> inputs, ulong seed, int index, double[] direction)
    {
        NetworkArchitecture net = parameters.Architecture;
        int samples = inputs.Length / net.Inputs;
        if (samples * net.Inputs != inputs.Length || samples == 0)
        {
            throw new ArgumentException($"The inputs must be whole rows of {net.Inputs}; got {inputs.Length} values.", nameof(inputs));
        }

        var activations = new double[net.LayerCount][];
        activations[0] = [.. inputs.ToArray().Select(v => (double)v)];
        for (int layer = 1; layer < net.LayerCount; layer++)
        {
            activations[layer] = Multiply(activations[layer - 1], samples, net.Widths[layer - 1], parameters.Weights(layer - 1), net.Widths[layer]);
        }

        var alphaDraw = new float[samples * net.Outputs];
        new CounterRandom(seed, CounterRandom.StreamOf(0x7A26, (ulong)index)).FillNormal(alphaDraw);
        double[] back = [.. alphaDraw.Select(v => (double)v)];
        for (int layer = net.LayerCount - 1; layer >= 0; layer--)
        {
            int fanIn = net.Widths[layer], fanOut = net.Widths[layer + 1];
            double factor = 2.0 / fanIn;
            Span<double> gradient = direction.AsSpan(net.WeightOffset(layer), fanIn * fanOut);
            double[] h = activations[layer];
            for (int r = 0; r < samples; r++)
            {
                ReadOnlySpan<double> g = back.AsSpan(r * fanOut, fanOut);
                for (int i = 0; i < fanIn; i++)
                {
                    double a = h[(r * fanIn) + i];
                    if (a == 0)
                    {
                        continue;
                    }

                    Span<double> row = gradient.Slice(i * fanOut, fanOut);
                    for (int j = 0; j < fanOut; j++)
                    {
                        row[j] += a * g[j];
                    }
                }
            }

            for (int i = 0; i < gradient.Length; i++)
            {
                gradient[i] *= factor;
            }

            if (layer > 0)
            {
                back = MultiplyTransposed(back, samples, fanOut, parameters.Weights(layer), fanIn);
            }
        }
    }

    // (samples x k)·(k x n): row by row, k in increasing order.
    private static double[] Multiply(double[] a, int samples, int k, ReadOnlySpan<float> b, int n)
    {
        var c = new double[samples * n];
        for (int r = 0; r < samples; r++)
        {
            Span<double> row = c.AsSpan(r * n, n);
            for (int p = 0; p < k; p++)
            {
                double v = a[(r * k) + p];
                ReadOnlySpan<float> weights = b.Slice(p * n, n);
                for (int j = 0; j < n; j++)
                {
                    row[j] += v * weights[j];
                }
            }
        }

        return c;
    }

    // (samples x n)·(k x n)ᵀ: each output a sum over n in increasing order.
    private static double[] MultiplyTransposed(double[] a, int samples, int n, ReadOnlySpan<float> b, int k)
    {
        var c = new double[samples * k];
        for (int r = 0; r < samples; r++)
        {
            ReadOnlySpan<double> row = a.AsSpan(r * n, n);
            for (int p = 0; p < k; p++)
            {
                ReadOnlySpan<float> weights = b.Slice(p * n, n);
                double sum = 0;
                for (int j = 0; j < n; j++)
                {
                    sum += row[j] * weights[j];
                }

                c[(r * k) + p] = sum;
            }
        }

        return c;
    }

    private static float[] Normalised(NetworkArchitecture net, double[] direction)
    {
        double sum = 0;
        for (int layer = 0; layer < net.LayerCount; layer++)
        {
            double layerSum = 0;
            foreach (double v in direction.AsSpan(net.WeightOffset(layer), net.Widths[layer] * net.Widths[layer + 1]))
            {
                layerSum += v * v;
            }

            sum += net.Widths[layer] / 2.0 * layerSum;
        }

        double norm = Math.Sqrt(sum);
        if (!(norm > 0) || !double.IsFinite(norm))
        {
            throw new InvalidOperationException($"A direction of {net} has norm {norm}: the network's outputs do not depend on its weights here.");
        }

        var result = new float[direction.Length];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = (float)(direction[i] / norm);
        }

        return result;
    }
}
