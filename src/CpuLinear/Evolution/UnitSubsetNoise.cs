using System.Collections.Concurrent;
using CpuLinear.Networks;
using CpuLinear.Randomness;

namespace CpuLinear.Evolution;

/// <summary>
/// Low-rank members whose first-layer perturbation touches only k of the first layer's units: pair j's units
/// are a pure function of (seed, g, j), its first-layer B columns and bias noise are kept on them (scaled by
/// √(width/k)) and zeroed elsewhere; every later layer is perturbed as in <see cref="LowRankNoise"/>.
/// </summary>
/// <remarks>
/// An evaluator can then reuse θ's first-layer activations and second-layer product for the whole population
/// and add only the changed units' contribution. Only the noise elements that survive the mask are drawn, each
/// with the value a full draw gives it (the stream is addressed by element).
/// </remarks>
public sealed class UnitSubsetNoise : LowRankNoise
{
    private readonly UnitSubsets _subsets;
    private readonly int[] _pairUnits;
    private readonly ConcurrentBag<(int[] Order, float[] Kept)> _scratch = [];

    /// <summary>The noise of <paramref name="pairs"/> pairs that each perturb <paramref name="units"/> first-layer units at rank <paramref name="rank"/>.</summary>
    /// <exception cref="ArgumentException">The network has fewer than two layers.</exception>
    /// <param name="architecture">The network (at least two layers).</param>
    /// <param name="rank">r ≥ 1.</param>
    /// <param name="units">k: first-layer units per pair.</param>
    /// <param name="pairs">Antithetic pairs.</param>
    /// <param name="seed">The noise seed.</param>
    /// <param name="layerScales">σ per layer (see <see cref="LowRankNoise"/>); null: 1 for every layer.</param>
    public UnitSubsetNoise(NetworkArchitecture architecture, int rank, int units, int pairs, ulong seed, LayerScales? layerScales = null)
        : base(MemberKind.UnitSubset, architecture, rank, pairs, seed, layerScales)
    {
        _subsets = new UnitSubsets(architecture, rank, units);
        _pairUnits = new int[pairs * _subsets.Units];
    }

    /// <summary>First-layer units each pair perturbs (k).</summary>
    public int Units => _subsets.Units;

    /// <summary>Pair <paramref name="pair"/>'s units in the drawn generation, increasing.</summary>
    public ReadOnlySpan<int> UnitsOf(int pair) => _pairUnits.AsSpan(pair * Units, Units);

    /// <inheritdoc />
    private protected override void DrawPair(long generation, int pair)
    {
        if (!_scratch.TryTake(out (int[] Order, float[] Kept) buffers))
        {
            buffers = (new int[Architecture.Widths[1]], new float[Architecture.Widths[1]]);
        }

        LowRankNoiseLayout layout = Layout;
        int rank = Rank, width = Architecture.Widths[1];
        Span<int> units = _pairUnits.AsSpan(pair * Units, Units);
        _subsets.ChooseUnits(Seed, generation, pair, buffers.Order, units);
        Span<float> noise = PairSlot(pair);
        CounterRandom random = PairStream(generation, pair);
        int firstB = layout.FactorB(0);
        random.FillNormal(noise.Slice(0, firstB));
        random.FillNormal(noise.Slice(layout.FactorA(1), layout.BiasNoise(0) - layout.FactorA(1)), 1f, layout.FactorA(1));
        random.FillNormal(noise.Slice(layout.BiasNoise(1)), 1f, layout.BiasNoise(1));
        foreach (int u in units)
        {
            for (int t = 0; t < rank; t++)
            {
                int at = firstB + (t * width) + u;
                random.FillNormal(noise.Slice(at, 1), 1f, at);
            }

            random.FillNormal(noise.Slice(layout.BiasNoise(0) + u, 1), 1f, layout.BiasNoise(0) + u);
        }

        _subsets.MaskFirstLayerNoise(noise.Slice(layout.FactorB(0), rank * width), noise.Slice(layout.BiasNoise(0), width), units, buffers.Kept);
        _scratch.Add(buffers);
    }
}
