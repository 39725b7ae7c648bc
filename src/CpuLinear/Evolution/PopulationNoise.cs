using CpuLinear.Networks;

namespace CpuLinear.Evolution;

/// <summary>
/// The noise of one generation's antithetic population: pair j's direction εⱼ, a pure function of
/// (seed, generation, j), so any process that holds the seed can regenerate any member. Member 2j is θ + σεⱼ,
/// member 2j+1 is θ − σεⱼ.
/// </summary>
/// <remarks>
/// <see cref="EvolutionStrategy"/> draws it (<see cref="Draw"/>) when it names a generation and combines it with
/// the shaped fitnesses (<see cref="Combine"/>); an evaluator only reads it. Not thread-safe for writes: one
/// <see cref="Draw"/> at a time, any number of concurrent readers between draws.
/// </remarks>
public abstract class PopulationNoise
{
    /// <summary>Creates the noise of <paramref name="pairs"/> pairs over <paramref name="parameterCount"/> parameters.</summary>
    protected PopulationNoise(MemberKind kind, int parameterCount, int pairs, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parameterCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(pairs, 1);
        Kind = kind;
        ParameterCount = parameterCount;
        Pairs = pairs;
        Seed = seed;
    }

    /// <summary>What kind of members this noise makes.</summary>
    public MemberKind Kind { get; }

    /// <summary>Length of θ and of every εⱼ.</summary>
    public int ParameterCount { get; }

    /// <summary>Antithetic pairs per generation (the population has twice as many members).</summary>
    public int Pairs { get; }

    /// <summary>The run's seed.</summary>
    public ulong Seed { get; }

    /// <summary>The generation whose noise is drawn now; −1 before the first <see cref="Draw"/>.</summary>
    public long Generation { get; private set; } = -1;

    /// <summary>
    /// The noise for the members of a layered network chosen by <paramref name="settings"/>: full rank at
    /// <see cref="EvolutionSettings.Rank"/> 0, unit subsets when <see cref="EvolutionSettings.FirstLayerUnits"/> &gt; 0,
    /// low rank otherwise; with <see cref="EvolutionSettings.LaterLayerPairs"/> M &gt; 0, a <see cref="BlockNoise"/>
    /// of those <see cref="EvolutionSettings.Pairs"/> pairs followed by M <see cref="LaterLayerNoise"/> pairs.
    /// </summary>
    /// <exception cref="ArgumentException">The settings are invalid, unit subsets or later-layer pairs on a single-layer network, or σ layer scales that are not one per layer.</exception>
    public static PopulationNoise For(NetworkArchitecture architecture, EvolutionSettings settings, EngineSettings? engine = null)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        if (settings.SigmaLayerScales.Count != 0 && settings.SigmaLayerScales.Count != architecture.LayerCount)
        {
            throw new ArgumentException($"σ layer scales: the {architecture} network has {architecture.LayerCount} layers; got {settings.SigmaLayerScales.Count} scales ({settings.SigmaLayerScales}).", nameof(settings));
        }

        if (settings.Rank == 0)
        {
            return new FullRankNoise(architecture.ParameterCount, settings.Pairs, settings.EffectiveNoiseSeed, engine);
        }

        LayerScales? scales = settings.HasSigmaLayerScales ? settings.SigmaLayerScales : null;
        LowRankNoise first = settings.FirstLayerUnits > 0
            ? new UnitSubsetNoise(architecture, settings.Rank, settings.FirstLayerUnits, settings.Pairs, settings.EffectiveNoiseSeed, scales)
            : new LowRankNoise(architecture, settings.Rank, settings.Pairs, settings.EffectiveNoiseSeed, scales);
        return settings.LaterLayerPairs > 0
            ? new BlockNoise([first, new LaterLayerNoise(architecture, settings.Rank, settings.LaterLayerPairs, settings.EffectiveNoiseSeed, firstPair: settings.Pairs, layerScales: scales)])
            : first;
    }

    /// <summary>Draws every pair's noise for <paramref name="generation"/> (on the engine's threads; the bits do not depend on them).</summary>
    public void Draw(long generation, EngineSettings? engine = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(generation);
        DrawCore(generation, engine ?? EngineSettings.Default);
        Generation = generation;
    }

    /// <summary>
    /// <c>gradient = Σⱼ weights[j]·εⱼ</c>, the sum over j in increasing order for every element whatever the thread
    /// count. <paramref name="weights"/> has one value per pair.
    /// </summary>
    /// <exception cref="InvalidOperationException">No generation has been drawn.</exception>
    public void Combine(ReadOnlySpan<float> weights, Span<float> gradient, EngineSettings? engine = null)
    {
        if (Generation < 0)
        {
            throw new InvalidOperationException("Draw a generation's noise before combining it.");
        }

        if (weights.Length != Pairs || gradient.Length != ParameterCount)
        {
            throw new ArgumentException($"Combine takes {Pairs} weights and a gradient of {ParameterCount}; got {weights.Length} and {gradient.Length}.");
        }

        CombineCore(weights, gradient, engine ?? EngineSettings.Default);
    }

    /// <summary>
    /// θ's elements before this index are never perturbed by these members (εⱼ is 0 there for every pair); 0 for
    /// kinds that perturb every parameter. A <see cref="BlockNoise"/> divides each parameter's estimate by the pairs
    /// that perturb it.
    /// </summary>
    public virtual int FirstPerturbedParameter => 0;

    /// <summary>
    /// The gradient estimate ĝ from each pair's shaped fitness difference dⱼ = rank⁺ⱼ − rank⁻ⱼ (one per pair):
    /// <c>ĝ = Σⱼ dⱼ·εⱼ / (2·pairs)</c>, the sum over j in increasing order for every element, whatever the thread
    /// count. Here each pair's weight is dⱼ·(1 / (2·<see cref="Pairs"/>)) rounded once, then <see cref="Combine"/>;
    /// a <see cref="BlockNoise"/> divides each parameter by the pairs that actually perturb it instead.
    /// </summary>
    /// <exception cref="InvalidOperationException">No generation has been drawn.</exception>
    public void Estimate(ReadOnlySpan<float> differences, Span<float> gradient, EngineSettings? engine = null)
    {
        if (Generation < 0)
        {
            throw new InvalidOperationException("Draw a generation's noise before estimating a gradient from it.");
        }

        if (differences.Length != Pairs || gradient.Length != ParameterCount)
        {
            throw new ArgumentException($"Estimate takes {Pairs} differences and a gradient of {ParameterCount}; got {differences.Length} and {gradient.Length}.");
        }

        EstimateCore(differences, gradient, engine ?? EngineSettings.Default);
    }

    /// <summary>The gradient estimate (arguments already checked): every pair weighted by dⱼ / (2·pairs).</summary>
    protected virtual void EstimateCore(ReadOnlySpan<float> differences, Span<float> gradient, EngineSettings engine)
    {
        float inverseCount = 1f / (2 * Pairs);
        var weights = new float[Pairs];
        for (int j = 0; j < weights.Length; j++)
        {
            weights[j] = differences[j] * inverseCount;
        }

        CombineCore(weights, gradient, engine);
    }

    /// <summary>Draws generation <paramref name="generation"/>'s noise.</summary>
    protected abstract void DrawCore(long generation, EngineSettings engine);

    /// <summary>The weighted sum of the pairs' directions (arguments already checked).</summary>
    protected abstract void CombineCore(ReadOnlySpan<float> weights, Span<float> gradient, EngineSettings engine);
}
