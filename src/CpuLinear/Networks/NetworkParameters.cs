using CpuLinear.Randomness;

namespace CpuLinear.Networks;

/// <summary>
/// All weights and biases of a network in one flat float32 vector (layer by layer: weights row-major
/// fan-in x fan-out, then bias), so optimisers and evolution strategies treat them as one vector.
/// </summary>
public sealed class NetworkParameters
{
    /// <summary>Wraps <paramref name="values"/> (not copied).</summary>
    /// <exception cref="ArgumentException">The length is not the architecture's parameter count.</exception>
    public NetworkParameters(NetworkArchitecture architecture, float[] values)
    {
        if (values.Length != architecture.ParameterCount)
        {
            throw new ArgumentException($"{architecture} has {architecture.ParameterCount} parameters; got {values.Length}.", nameof(values));
        }

        Architecture = architecture;
        Values = values;
    }

    /// <summary>The network these parameters belong to.</summary>
    public NetworkArchitecture Architecture { get; }

    /// <summary>The flat parameter vector.</summary>
    public float[] Values { get; }

    /// <summary>Layer <paramref name="layer"/>'s weights, row-major fan-in x fan-out.</summary>
    public Span<float> Weights(int layer) =>
        Values.AsSpan(Architecture.WeightOffset(layer), Architecture.Widths[layer] * Architecture.Widths[layer + 1]);

    /// <summary>Layer <paramref name="layer"/>'s bias.</summary>
    public Span<float> Bias(int layer) => Values.AsSpan(Architecture.BiasOffset(layer), Architecture.Widths[layer + 1]);

    /// <summary>
    /// Root mean square of layer <paramref name="layer"/>'s weights: squares summed in index order in double, so
    /// the value depends on nothing but the weights; 0 for an all-zero layer.
    /// </summary>
    public double WeightRms(int layer)
    {
        Span<float> weights = Weights(layer);
        double squares = 0;
        foreach (float w in weights)
        {
            squares += (double)w * w;
        }

        return RootMeanSquare(squares, weights.Length);
    }

    /// <summary>√(squares / count), 0 for no values: the last step of <see cref="WeightRms"/> (a device that sums the squares in the same order ends with it).</summary>
    internal static double RootMeanSquare(double squares, int count) => count == 0 ? 0 : Math.Sqrt(squares / count);

    /// <summary>A deep copy.</summary>
    public NetworkParameters Clone() => new(Architecture, (float[])Values.Clone());

    /// <summary>
    /// The paper's initialisation: weights ~ Normal(0, sqrt(2 / fan-in)), biases zero. Deterministic for a
    /// seed on every platform (counter-based generator, one stream per layer).
    /// </summary>
    public static NetworkParameters Initialize(NetworkArchitecture architecture, ulong seed) => Initialize(architecture, seed, 1f);

    /// <summary>
    /// <see cref="Initialize(NetworkArchitecture, ulong)"/> with every layer's deviation multiplied by
    /// <paramref name="scale"/> (the same normal draws, scaled: scale 1 gives the same bits).
    /// </summary>
    public static NetworkParameters Initialize(NetworkArchitecture architecture, ulong seed, float scale)
    {
        if (!(float.IsFinite(scale) && scale > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "The initialisation's scale must be a positive finite factor.");
        }

        var parameters = new NetworkParameters(architecture, new float[architecture.ParameterCount]);
        for (int layer = 0; layer < architecture.LayerCount; layer++)
        {
            float deviation = MathF.Sqrt(2f / architecture.Widths[layer]) * scale;
            new CounterRandom(seed, CounterRandom.StreamOf(0x1A7E5, (ulong)layer)).FillNormal(parameters.Weights(layer), deviation);
        }

        return parameters;
    }
}
