using CommunityToolkit.HighPerformance;
using CpuLinear.Kernels;
using CpuLinear.Networks;
using CpuLinear.Parallelism;
using CpuLinear.Randomness;

namespace CpuLinear.Evolution;

/// <summary>
/// Low-rank (EGGROLL) members of a layered network: pair j perturbs weight matrix l by σ·Aⱼₗ·Bⱼₗ/√r and every
/// bias densely, its whole noise vector (<see cref="LowRankNoiseLayout"/>) a pure function of (seed, g, j).
/// </summary>
public class LowRankNoise : PopulationNoise
{
    private readonly float[] _pairNoise;
    private readonly float[] _layerScales;

    /// <summary>The noise of <paramref name="pairs"/> rank-<paramref name="rank"/> pairs for <paramref name="architecture"/>.</summary>
    /// <param name="architecture">The network the members instantiate.</param>
    /// <param name="rank">r ≥ 1.</param>
    /// <param name="pairs">Antithetic pairs.</param>
    /// <param name="seed">The noise seed.</param>
    /// <param name="layerScales">σ per layer (<see cref="EvolutionSettings.SigmaLayerScales"/>): one factor per layer; null: 1 for every layer.</param>
    /// <exception cref="ArgumentException">The scales are not one per layer.</exception>
    public LowRankNoise(NetworkArchitecture architecture, int rank, int pairs, ulong seed, LayerScales? layerScales = null)
        : this(MemberKind.LowRank, architecture, rank, pairs, seed, layerScales)
    {
    }

    /// <summary>For a derived kind that draws its pairs differently.</summary>
    private protected LowRankNoise(MemberKind kind, NetworkArchitecture architecture, int rank, int pairs, ulong seed, LayerScales? layerScales)
        : base(kind, (architecture ?? throw new ArgumentNullException(nameof(architecture))).ParameterCount, pairs, seed)
    {
        Architecture = architecture;
        Layout = new LowRankNoiseLayout(architecture, rank);
        _layerScales = new float[architecture.LayerCount];
        _layerScales.AsSpan().Fill(1f);
        if (layerScales is not null)
        {
            // LayerScales holds positive finite factors only; their number is what depends on the network.
            if (layerScales.Count != architecture.LayerCount)
            {
                throw new ArgumentException($"σ layer scales must be one positive finite value per layer ({architecture.LayerCount}); got {string.Join(", ", layerScales)}.", nameof(layerScales));
            }

            for (int l = 0; l < _layerScales.Length; l++)
            {
                _layerScales[l] = layerScales[l];
            }
        }

        _pairNoise = new float[(long)pairs * Layout.Length <= int.MaxValue
            ? pairs * Layout.Length
            : throw new ArgumentException($"{pairs} pairs of {Layout.Length} noise values do not fit one array.", nameof(pairs))];
    }

    /// <summary>The network the members instantiate.</summary>
    public NetworkArchitecture Architecture { get; }

    /// <summary>Where each layer's factors and bias noise lie in a pair's noise vector.</summary>
    public LowRankNoiseLayout Layout { get; }

    /// <summary>The perturbation rank r.</summary>
    public int Rank => Layout.Rank;

    /// <summary>
    /// Layer <paramref name="layer"/>'s σ factor: its drawn A factor and bias noise are this times the unit normals
    /// (1 unless the noise was built with σ per layer).
    /// </summary>
    public float LayerScale(int layer) => _layerScales[layer];

    /// <summary>Every pair's noise vector back to back (<see cref="PopulationNoise.Pairs"/> · <see cref="LowRankNoiseLayout.Length"/> floats).</summary>
    public ReadOnlySpan<float> AllPairs => _pairNoise;

    /// <summary>Pair <paramref name="pair"/>'s noise vector in the drawn generation.</summary>
    public ReadOnlySpan<float> Pair(int pair) => _pairNoise.AsSpan(pair * Layout.Length, Layout.Length);

    /// <summary>Pair j's slot, for a derived kind's <see cref="DrawPair"/>.</summary>
    private protected Span<float> PairSlot(int pair) => _pairNoise.AsSpan(pair * Layout.Length, Layout.Length);

    /// <summary>Pair j's noise stream: element i of its vector is a pure function of (seed, g, j, i).</summary>
    private protected CounterRandom PairStream(long generation, int pair) =>
        new(Seed, CounterRandom.StreamOf(0xE5_1A7E, (ulong)generation, (ulong)pair));

    /// <summary>Draws pair <paramref name="pair"/>'s noise vector into its slot.</summary>
    private protected virtual void DrawPair(long generation, int pair) => PairStream(generation, pair).FillNormal(PairSlot(pair));

    // σ per layer: layer l's A factor and bias noise times its factor (exact to skip where it is 1). B is left as
    // drawn, so the member's rank-r term σ·A·B/√r and its bias noise both carry the factor once.
    private void ScaleLayers(int pair)
    {
        Span<float> noise = PairSlot(pair);
        for (int l = 0; l < _layerScales.Length; l++)
        {
            float c = _layerScales[l];
            if (c == 1f)
            {
                continue;
            }

            Multiply(noise.Slice(Layout.FactorA(l), Architecture.Widths[l] * Rank), c);
            Multiply(noise.Slice(Layout.BiasNoise(l), Architecture.Widths[l + 1]), c);
        }

        static void Multiply(Span<float> values, float c)
        {
            for (int i = 0; i < values.Length; i++)
            {
                values[i] *= c;
            }
        }
    }

    /// <inheritdoc />
    protected override void DrawCore(long generation, EngineSettings engine) =>
        EngineParallel.For(Pairs, engine.MaxThreads, new PairDraw(this, generation));

    /// <inheritdoc />
    protected override void CombineCore(ReadOnlySpan<float> weights, Span<float> gradient, EngineSettings engine) =>
        CombineLayers(weights, gradient, engine, 0);

    /// <summary>The weighted sum of the pairs' directions on layers <paramref name="firstLayer"/> on (the earlier ones are not written).</summary>
    private protected void CombineLayers(ReadOnlySpan<float> weights, Span<float> gradient, EngineSettings engine, int firstLayer)
    {
        NetworkArchitecture net = Architecture;
        int rank = Rank, pairs = Pairs, k = pairs * rank;
        float factorScale = 1f / MathF.Sqrt(rank);
        for (int l = firstLayer; l < net.LayerCount; l++)
        {
            int fanIn = net.Widths[l], fanOut = net.Widths[l + 1];
            // Σⱼ wⱼ·Aⱼ·Bⱼ as one GEMM with k running over (pair, t) in increasing order:
            //   left  (fanIn x pairs·r): column j·r+t = wⱼ·Aⱼ[:, t]/√r
            //   right (pairs·r x fanOut): row    j·r+t = Bⱼ[t, :]
            var left = new float[fanIn * k];
            var right = new float[k * fanOut];
            // Under σ per layer the drawn A and bias noise are c_l times the unit normals; dividing by c_l makes layer
            // l's estimate Σⱼ wⱼ·(unit noise), the one a run at σ·c_l everywhere makes (1/√r exactly when c_l = 1).
            float layerScale = _layerScales[l];
            float layerFactor = factorScale / layerScale;
            int a = Layout.FactorA(l), b = Layout.FactorB(l);
            for (int j = 0; j < pairs; j++)
            {
                ReadOnlySpan<float> noise = Pair(j);
                float c = weights[j] * layerFactor;
                for (int i = 0; i < fanIn; i++)
                {
                    for (int t = 0; t < rank; t++)
                    {
                        left[(i * k) + (j * rank) + t] = c * noise[a + (i * rank) + t];
                    }
                }

                noise.Slice(b, rank * fanOut).CopyTo(right.AsSpan(j * rank * fanOut));
            }

            Gemm.Multiply(
                new ReadOnlySpan2D<float>(left, 0, fanIn, k, 0),
                new ReadOnlySpan2D<float>(right, 0, k, fanOut, 0),
                gradient.Slice(net.WeightOffset(l), fanIn * fanOut).AsSpan2D(fanIn, fanOut),
                engine);

            Span<float> biasGradient = gradient.Slice(net.BiasOffset(l), fanOut);
            biasGradient.Clear();
            for (int j = 0; j < pairs; j++)
            {
                FusedMultiplyAdd.Accumulate(biasGradient, Pair(j).Slice(Layout.BiasNoise(l), fanOut), weights[j] / layerScale);
            }
        }
    }

    private readonly struct PairDraw(LowRankNoise noise, long generation) : IWorkItems
    {
        public void Run(int index)
        {
            noise.DrawPair(generation, index);
            noise.ScaleLayers(index);
        }
    }
}
