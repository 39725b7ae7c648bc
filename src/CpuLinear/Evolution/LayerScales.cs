using System.Collections;
using System.Globalization;

namespace CpuLinear.Evolution;

/// <summary>
/// One positive factor per layer (σ per layer, <see cref="EvolutionSettings.SigmaLayerScales"/>), compared by value
/// so two settings with the same factors are equal. <see cref="None"/>, the empty list, means 1 for every layer.
/// </summary>
public sealed class LayerScales : IReadOnlyList<float>, IEquatable<LayerScales>
{
    private readonly float[] _values;

    /// <summary>The factors, layer 0 first.</summary>
    /// <exception cref="ArgumentException">A factor is not positive and finite.</exception>
    public LayerScales(IEnumerable<float> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        _values = [.. values];
        for (int l = 0; l < _values.Length; l++)
        {
            if (!(_values[l] > 0) || float.IsInfinity(_values[l]))
            {
                throw new ArgumentException($"σ layer scales must be positive and finite; entry {l + 1} of ({this}) is {_values[l].ToString(CultureInfo.InvariantCulture)}.", nameof(values));
            }
        }
    }

    /// <summary>No factors: every layer at 1.</summary>
    public static LayerScales None { get; } = new([]);

    /// <summary>Layers with a factor (0 for <see cref="None"/>).</summary>
    public int Count => _values.Length;

    /// <summary>Whether a factor differs from 1.</summary>
    public bool AnyNotOne => Array.Exists(_values, c => c != 1f);

    /// <summary>Layer <paramref name="layer"/>'s factor.</summary>
    public float this[int layer] => _values[layer];

    /// <summary>
    /// Factors written as comma-separated numbers ("1,2,4"; invariant culture), as checkpoints store them and
    /// <c>train --sigma-layers</c> takes them.
    /// </summary>
    /// <exception cref="ArgumentException">An entry is empty, not a number, or not positive and finite.</exception>
    public static LayerScales Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split(',');
        var values = new float[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            string part = parts[i].Trim();
            if (!float.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !(values[i] > 0) || float.IsInfinity(values[i]))
            {
                throw new ArgumentException($"σ layer scales are positive numbers separated by commas, one per layer (e.g. 1,2,4); entry {i + 1} of '{text}' is '{part}'.");
            }
        }

        return new LayerScales(values);
    }

    /// <summary>The factors as <see cref="Parse"/> reads them (round-trip precision).</summary>
    public override string ToString() => string.Join(",", _values.Select(c => c.ToString("R", CultureInfo.InvariantCulture)));

    /// <inheritdoc />
    public bool Equals(LayerScales? other) => other is not null && _values.AsSpan().SequenceEqual(other._values);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as LayerScales);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (float c in _values)
        {
            hash.Add(c);
        }

        return hash.ToHashCode();
    }

    /// <inheritdoc />
    public IEnumerator<float> GetEnumerator() => ((IEnumerable<float>)_values).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
