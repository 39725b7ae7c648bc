using CpuLinear.Networks;
using CpuLinear.Randomness;

namespace CpuLinear.Evolution;

/// <summary>
/// Low-rank members that leave the first layer alone: pair j perturbs every weight matrix after the first by
/// σ·Aⱼₗ·Bⱼₗ/√r and every bias after the first densely, exactly as <see cref="LowRankNoise"/> does, while W₁ and b₁
/// keep θ's values (their noise is 0).
/// </summary>
/// <remarks>
/// <para>
/// Why: every member then has θ's first-layer activations H₁ and second-layer product H₁·W₂, which an evaluator
/// computes once per generation; a member's second-layer pre-activation is H₁·W₂ + (σ/√r)·(H₁·A₂)·B₂ + b₂ + σ·ε_b₂
/// (H₁·A₂ for every pair is one GEMM of the population), then the dead zones and its own later layers. On
/// 784-512-512-10 that is about rows·(r·512 + 512 + 512·10) multiply-adds per member.
/// </para>
/// <para>
/// <b>Noise:</b> the vector has <see cref="LowRankNoise"/>'s layout (<see cref="LowRankNoiseLayout"/>) with the first
/// layer's factors and bias noise zero. Pair i of this noise is pair <see cref="FirstPair"/> + i of its population
/// (in a <see cref="BlockNoise"/>, the pairs before it belong to another block), and its noise is a pure function of
/// (seed, g, <see cref="FirstPair"/> + i): element e has the value a low-rank pair of that index draws for e, so
/// the two kinds never share a direction within a population.
/// </para>
/// </remarks>
public sealed class LaterLayerNoise : LowRankNoise
{
    /// <summary>The noise of <paramref name="pairs"/> later-layer pairs at rank <paramref name="rank"/>, numbered from <paramref name="firstPair"/> in their population.</summary>
    /// <exception cref="ArgumentException">The network has fewer than two layers.</exception>
    /// <param name="architecture">The network (at least two layers).</param>
    /// <param name="rank">r ≥ 1.</param>
    /// <param name="pairs">Antithetic pairs.</param>
    /// <param name="seed">The noise seed.</param>
    /// <param name="firstPair">This noise's pair 0 in its population.</param>
    /// <param name="layerScales">σ per layer (see <see cref="LowRankNoise"/>; layer 1's factor is unused); null: 1 for every layer.</param>
    public LaterLayerNoise(NetworkArchitecture architecture, int rank, int pairs, ulong seed, int firstPair = 0, LayerScales? layerScales = null)
        : base(MemberKind.LaterLayers, RequireLayers(architecture), rank, pairs, seed, layerScales)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstPair);
        if ((long)firstPair + pairs > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(firstPair), $"Pairs [{firstPair}, {(long)firstPair + pairs}) do not fit an int index.");
        }

        FirstPair = firstPair;
    }

    /// <summary>The population index of this noise's pair 0: its pair i is named by (seed, g, FirstPair + i).</summary>
    public int FirstPair { get; }

    /// <summary>The first parameter perturbed: layer 2's weights (W₁ and b₁ come before them in θ).</summary>
    public override int FirstPerturbedParameter => Architecture.WeightOffset(1);

    /// <inheritdoc />
    private protected override void DrawPair(long generation, int pair)
    {
        LowRankNoiseLayout layout = Layout;
        Span<float> noise = PairSlot(pair);
        CounterRandom random = PairStream(generation, FirstPair + pair);
        int laterFactors = layout.FactorA(1), firstBias = layout.BiasNoise(0), laterBiases = layout.BiasNoise(1);
        noise[..laterFactors].Clear();
        random.FillNormal(noise[laterFactors..firstBias], 1f, laterFactors);
        noise[firstBias..laterBiases].Clear();
        random.FillNormal(noise[laterBiases..], 1f, laterBiases);
    }

    /// <inheritdoc />
    protected override void CombineCore(ReadOnlySpan<float> weights, Span<float> gradient, EngineSettings engine)
    {
        // W₁ and b₁ are never perturbed: their estimate is exactly 0, without a GEMM over zero factors.
        gradient[..FirstPerturbedParameter].Clear();
        CombineLayers(weights, gradient, engine, 1);
    }

    private static NetworkArchitecture RequireLayers(NetworkArchitecture architecture)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        return architecture.LayerCount >= 2
            ? architecture
            : throw new ArgumentException($"Perturbing only the layers after the first needs at least two layers; the network has {architecture.LayerCount}.", nameof(architecture));
    }
}
