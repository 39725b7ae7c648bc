using CpuLinear.Networks;
using CpuLinear.Randomness;

namespace CpuLinear.Evolution;

/// <summary>
/// Which k of the first layer's units each pair perturbs, and the masking that confines its first-layer noise to
/// them (scaled by √(width/k), so the noise keeps a dense perturbation's covariance).
/// </summary>
internal sealed class UnitSubsets
{
    private readonly int _rank, _width;

    /// <summary>Pairs perturb <paramref name="units"/> first-layer units (clamped to 1..width); the network needs at least two layers.</summary>
    public UnitSubsets(NetworkArchitecture net, int rank, int units)
    {
        ArgumentNullException.ThrowIfNull(net);
        if (net.LayerCount < 2)
        {
            throw new ArgumentException($"Perturbing a subset of first-layer units needs at least two layers; the network has {net.LayerCount}.", nameof(net));
        }

        _rank = rank;
        _width = net.Widths[1];
        Units = Math.Clamp(units, 1, _width);
    }

    /// <summary>Units each pair perturbs.</summary>
    public int Units { get; }

    /// <summary>
    /// Pair (seed, g, j)'s units in increasing order; a partial Fisher–Yates shuffle of a Philox stream, so the
    /// set is a pure function of (seed, g, j).
    /// </summary>
    /// <param name="seed">The run's seed.</param>
    /// <param name="generation">g.</param>
    /// <param name="pair">j.</param>
    /// <param name="order">Scratch of width ints.</param>
    /// <param name="units">Receives the <see cref="Units"/> chosen units, increasing.</param>
    public void ChooseUnits(ulong seed, long generation, int pair, Span<int> order, Span<int> units)
    {
        for (int i = 0; i < _width; i++)
        {
            order[i] = i;
        }

        ulong stream = CounterRandom.StreamOf(0xE5_5E1E, (ulong)generation, (ulong)pair);
        for (int i = 0; i < Units; i++)
        {
            var (x0, x1, _, _) = Philox4x32.Block(seed, stream, (ulong)i);
            int pick = i + (int)(((((ulong)x1 << 32) | x0) % (ulong)(_width - i)));
            (order[i], order[pick]) = (order[pick], order[i]);
        }

        order[..Units].CopyTo(units);
        units[..Units].Sort();
    }

    /// <summary>
    /// Keeps the first layer's B factor columns and bias noise on <paramref name="units"/>, scaled by √(width/k),
    /// and zeroes the rest.
    /// </summary>
    /// <param name="factorB">The first layer's B (r x width), in place.</param>
    /// <param name="biasNoise">The first layer's bias noise (width), in place.</param>
    /// <param name="units">The pair's units.</param>
    /// <param name="kept">Scratch of width floats.</param>
    public void MaskFirstLayerNoise(Span<float> factorB, Span<float> biasNoise, ReadOnlySpan<int> units, Span<float> kept)
    {
        float scale = MathF.Sqrt(_width / (float)Units);
        for (int t = 0; t < _rank; t++)
        {
            Span<float> row = factorB.Slice(t * _width, _width);
            for (int u = 0; u < Units; u++)
            {
                kept[u] = row[units[u]];
            }

            row.Clear();
            for (int u = 0; u < Units; u++)
            {
                row[units[u]] = kept[u] * scale;
            }
        }

        for (int u = 0; u < Units; u++)
        {
            kept[u] = biasNoise[units[u]];
        }

        biasNoise.Clear();
        for (int u = 0; u < Units; u++)
        {
            biasNoise[units[u]] = kept[u] * scale;
        }
    }
}
