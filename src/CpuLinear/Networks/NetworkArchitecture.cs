namespace CpuLinear.Networks;

/// <summary>
/// A deep linear network: layer widths and the scale exponent S that places its activations near the
/// smallest normal float. With s = 2^S the paper's placement of the scale is: first layer
/// <c>(x·W1 + b1)/s</c>, middle layers <c>h·W + b/s</c>, last layer <c>(h·W + b/s)·s</c>.
/// </summary>
public sealed record NetworkArchitecture
{
    /// <summary>The paper's network: 784-512-512-10 with s = 2^125.</summary>
    public static NetworkArchitecture Default { get; } = new([784, 512, 512, 10]);

    /// <summary>Creates an architecture from widths (input first, classes last).</summary>
    /// <remarks>
    /// One layer (two widths) is allowed: it is the linear-classifier ceiling (softmax regression) that the
    /// deep networks are measured against.
    /// </remarks>
    /// <exception cref="ArgumentException">Fewer than 1 or more than 8 layers, a width below 1, or a scale outside [1, 126].</exception>
    public NetworkArchitecture(IReadOnlyList<int> widths, int scaleExponent = 125)
    {
        if (widths.Count < 2 || widths.Count > 9)
        {
            throw new ArgumentException($"A network has 1 to 8 layers, so 2 to 9 widths; got {widths.Count} ({string.Join('-', widths)}).", nameof(widths));
        }

        if (widths.Any(w => w < 1 || w > 1 << 16))
        {
            throw new ArgumentException($"Every width must be in [1, 65536]; got {string.Join('-', widths)}.", nameof(widths));
        }

        if (scaleExponent is < 1 or > 126)
        {
            throw new ArgumentException($"The scale exponent must be in [1, 126] (s = 2^S keeps s and 1/s normal floats); got {scaleExponent}.", nameof(scaleExponent));
        }

        Widths = widths.ToArray();
        ScaleExponent = scaleExponent;
    }

    /// <summary>Input width, hidden widths, class count.</summary>
    public IReadOnlyList<int> Widths { get; }

    /// <summary>S in s = 2^S.</summary>
    public int ScaleExponent { get; }

    /// <summary>Number of weight layers.</summary>
    public int LayerCount => Widths.Count - 1;

    /// <summary>Input features.</summary>
    public int Inputs => Widths[0];

    /// <summary>Output classes (logits).</summary>
    public int Outputs => Widths[^1];

    /// <summary>Weights plus biases.</summary>
    public int ParameterCount => Enumerable.Range(0, LayerCount).Sum(l => (Widths[l] + 1) * Widths[l + 1]);

    /// <summary>
    /// The dead zone's edge in units scaled by s: a hidden value v (stored as v/s) survives flush-to-zero
    /// exactly when |v| ≥ 2^-126 · s = 2^(S−126); 0.5 for the paper's S = 125.
    /// </summary>
    public float DeadZoneThreshold => MathF.ScaleB(1f, ScaleExponent - 126);

    /// <summary>Offset of layer <paramref name="layer"/>'s weights (row-major fan-in x fan-out) in the flat parameter vector.</summary>
    public int WeightOffset(int layer)
    {
        int offset = 0;
        for (int l = 0; l < layer; l++)
        {
            offset += (Widths[l] + 1) * Widths[l + 1];
        }

        return offset;
    }

    /// <summary>Offset of layer <paramref name="layer"/>'s bias (fan-out values), right after its weights.</summary>
    public int BiasOffset(int layer) => WeightOffset(layer) + (Widths[layer] * Widths[layer + 1]);

    /// <summary>Parses "784-512-512-10".</summary>
    public static NetworkArchitecture Parse(string widths, int scaleExponent = 125)
    {
        string[] parts = widths.Split('-', StringSplitOptions.TrimEntries);
        var values = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], out values[i]))
            {
                throw new FormatException($"Layer widths look like 784-512-512-10; '{parts[i]}' in '{widths}' is not a number.");
            }
        }

        return new NetworkArchitecture(values, scaleExponent);
    }

    /// <inheritdoc />
    public override string ToString() => $"{string.Join('-', Widths)} (s = 2^{ScaleExponent})";

    /// <inheritdoc />
    public bool Equals(NetworkArchitecture? other) =>
        other is not null && ScaleExponent == other.ScaleExponent && Widths.SequenceEqual(other.Widths);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(ScaleExponent, Widths.Count, Widths[0], Widths[^1]);
}
