using CpuLinear.Optimization;

namespace CpuLinear.Evolution;

/// <summary>
/// OpenAI-ES with antithetic pairs, centered ranks and Adam, as an ask/tell loop that knows nothing of how or
/// where members are evaluated: <see cref="Ask"/> names a generation's members, the caller evaluates them however
/// it likes (a function, the CPU engine, a GPU, other machines), and <see cref="Tell"/> takes their fitnesses
/// back and updates θ.
/// </summary>
/// <remarks>
/// <para>
/// <b>Fitness sign:</b> higher is better; ES <i>maximises</i> fitness (a network's fitness is the negated mean
/// loss). By default the update is Adam on the direction −ĝ + λθ, where ĝ = Σⱼ (rank⁺ⱼ − rank⁻ⱼ)·εⱼ / (2·pairs) with
/// centered ranks in [−0.5, 0.5] over the whole population and λ = <see cref="EvolutionSettings.WeightDecay"/>. The noise
/// forms ĝ (<see cref="PopulationNoise.Estimate"/>): a block population (<see cref="BlockNoise"/>) divides each
/// parameter by the pairs that perturb it. The settings can choose plain SGD (<see cref="EvolutionSettings.Optimizer"/>),
/// z-scored pair differences instead of ranks (<see cref="EvolutionSettings.Shaping"/>) and decay decoupled from the
/// optimiser (<see cref="EvolutionSettings.DecayMode"/>).
/// </para>
/// <para>
/// <b>Determinism:</b> member m of generation g is θ ± σ(g)·εⱼ (j = m / 2, + for even m) with εⱼ a pure function of
/// (seed, g, j); ĝ sums pairs in index order. Given the same fitnesses, θ after any generation has the same bits
/// whatever the thread count, and a strategy restored from (θ, Adam state, generation) continues with the same bits.
/// </para>
/// <para>
/// <b>Thread-safety:</b> one caller at a time drives Ask and Tell. Between them the noise may be read by any
/// number of threads; the strategy's own work (drawing noise, combining it) runs on the engine's threads.
/// <see cref="EvolutionSettings.BatchSize"/> and <see cref="EvolutionSettings.FixedWeightRms"/> are read by the
/// network trainer, not here.
/// </para>
/// </remarks>
public sealed class EvolutionStrategy
{
    private readonly EngineSettings _engine;
    private readonly double[] _fitness;
    private readonly float[] _shaped;
    private readonly float[] _differences;
    private readonly float[] _gradient;
    private GenerationRequest? _asked;

    /// <summary>Starts (or continues) ES from <paramref name="theta"/>, which is updated in place.</summary>
    /// <param name="theta">θ, updated in place by <see cref="Tell"/>.</param>
    /// <param name="settings">Pairs, σ and step-size schedules, weight decay, seed and generations.</param>
    /// <param name="noise">The members' kind; its pairs and seed must match the settings. Null: full rank over θ.</param>
    /// <param name="engine">Threads and kernel path of the strategy's own work.</param>
    /// <exception cref="ArgumentException">The settings are invalid or the noise does not match them or θ.</exception>
    public EvolutionStrategy(float[] theta, EvolutionSettings settings, PopulationNoise? noise = null, EngineSettings? engine = null)
    {
        ArgumentNullException.ThrowIfNull(theta);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        _engine = engine ?? EngineSettings.Default;
        int pairs = settings.PopulationPairs;
        noise ??= new FullRankNoise(theta.Length, pairs, settings.EffectiveNoiseSeed, _engine);
        if (noise.ParameterCount != theta.Length || noise.Pairs != pairs || noise.Seed != settings.EffectiveNoiseSeed)
        {
            throw new ArgumentException(
                $"The noise is for {noise.Pairs} pairs over {noise.ParameterCount} parameters with seed {noise.Seed}; θ has {theta.Length} and the settings say {pairs} pairs, noise seed {settings.EffectiveNoiseSeed}.",
                nameof(noise));
        }

        Theta = theta;
        Settings = settings;
        Noise = noise;
        Optimizer = new AdamOptimizer(theta.Length);
        _fitness = new double[2 * pairs];
        _shaped = new float[2 * pairs];
        _differences = new float[pairs];
        _gradient = new float[theta.Length];
    }

    /// <summary>θ, updated in place by <see cref="Tell"/>.</summary>
    public float[] Theta { get; }

    /// <summary>The run's settings.</summary>
    public EvolutionSettings Settings { get; }

    /// <summary>The members' noise (and so their kind).</summary>
    public PopulationNoise Noise { get; }

    /// <summary>Adam's state; its step counts the updates made so far.</summary>
    public AdamOptimizer Optimizer { get; }

    /// <summary>The next generation to run (= generations told so far).</summary>
    public long Generation { get; private set; }

    /// <summary>Whether all of <see cref="EvolutionSettings.Generations"/> have been told.</summary>
    public bool Finished => Generation >= Settings.Generations;

    /// <summary>Members per generation (2 · pairs).</summary>
    public int PopulationSize => _fitness.Length;

    /// <summary>The fitnesses last passed to <see cref="Tell"/>, by member index.</summary>
    public ReadOnlySpan<double> Fitness => _fitness;

    /// <summary>
    /// Names the members of generation <see cref="Generation"/>: draws their noise (once; asking again returns the
    /// same request) and gives σ and the step size of that generation.
    /// </summary>
    public GenerationRequest Ask()
    {
        if (_asked is { } asked && asked.Generation == Generation)
        {
            return asked;
        }

        long g = Generation;
        Noise.Draw(g, _engine);
        _asked = new GenerationRequest(g, Settings.SigmaAt(g), Settings.LearningRateAt(g), Noise) { Temperature = Settings.FitnessTemperature };
        return _asked;
    }

    /// <summary>
    /// Takes generation <see cref="Generation"/>'s fitnesses (member m at index m; higher is better), shapes them
    /// into centered ranks, estimates the gradient, updates θ and Adam's state and advances the generation.
    /// </summary>
    /// <exception cref="InvalidOperationException">The generation was not asked for.</exception>
    /// <exception cref="ArgumentException">The fitness vector has the wrong length or a NaN.</exception>
    public void Tell(ReadOnlySpan<double> fitness)
    {
        if (_asked is null || _asked.Generation != Generation)
        {
            throw new InvalidOperationException($"Generation {Generation} was not asked for: call Ask before Tell.");
        }

        if (fitness.Length != _fitness.Length)
        {
            throw new ArgumentException($"Generation {Generation} has {_fitness.Length} members; got {fitness.Length} fitnesses.", nameof(fitness));
        }

        for (int m = 0; m < fitness.Length; m++)
        {
            if (double.IsNaN(fitness[m]))
            {
                throw new ArgumentException($"The fitness of member {m} of generation {Generation} is NaN.", nameof(fitness));
            }
        }

        fitness.CopyTo(_fitness);
        PairDifferences(Settings.Shaping, _fitness, _shaped, _differences);
        Noise.Estimate(_differences, _gradient, _engine);
        float[] theta = Theta;
        for (int i = 0; i < _gradient.Length; i++)
        {
            // The optimisers minimise, ES maximises fitness: the descent direction is −ĝ.
            _gradient[i] = -_gradient[i];
        }

        EvolutionUpdate.Apply(theta, _gradient, Settings, Optimizer, _asked.LearningRate);
        Generation++;
    }

    /// <summary>
    /// Pair j's difference dⱼ from the fitnesses (member 2j is θ + σεⱼ, 2j+1 is θ − σεⱼ): rank⁺ − rank⁻ with centered
    /// ranks over the whole population, or the z-scored f⁺ − f⁻. The noise weighs it by 1 / (2·pairs) when it forms the
    /// estimate (<see cref="PopulationNoise.Estimate"/>). Both are reduced in index order in double, so they depend on
    /// the fitnesses alone: the definition <see cref="Tell"/> uses and any other driver of the same algorithm reuses.
    /// </summary>
    /// <param name="shaping">Ranks or z-scores.</param>
    /// <param name="fitness">2·pairs fitnesses by member (no NaN).</param>
    /// <param name="shaped">Scratch of 2·pairs floats (receives the centered ranks).</param>
    /// <param name="differences">Receives the pairs' differences.</param>
    /// <exception cref="ArgumentException">The spans' lengths do not match.</exception>
    public static void PairDifferences(FitnessShaping shaping, ReadOnlySpan<double> fitness, Span<float> shaped, Span<float> differences)
    {
        int pairs = differences.Length;
        if (fitness.Length != 2 * pairs || shaped.Length != fitness.Length)
        {
            throw new ArgumentException($"{pairs} pairs take {2 * pairs} fitnesses and as many shaped values; got {fitness.Length} and {shaped.Length}.");
        }

        if (shaping == FitnessShaping.CenteredRanks)
        {
            CenteredRanks.Compute(fitness, shaped);
            for (int j = 0; j < pairs; j++)
            {
                differences[j] = shaped[2 * j] - shaped[(2 * j) + 1];
            }

            return;
        }

        double sum = 0;
        for (int j = 0; j < pairs; j++)
        {
            sum += fitness[2 * j] - fitness[(2 * j) + 1];
        }

        double mean = sum / pairs, squares = 0;
        for (int j = 0; j < pairs; j++)
        {
            double centred = fitness[2 * j] - fitness[(2 * j) + 1] - mean;
            squares += centred * centred;
        }

        // Every difference equal (or one pair): nothing to learn from, so no step along the estimate.
        double deviation = Math.Sqrt(squares / pairs);
        for (int j = 0; j < pairs; j++)
        {
            differences[j] = deviation > 0 ? (float)((fitness[2 * j] - fitness[(2 * j) + 1] - mean) / deviation) : 0f;
        }
    }

    /// <summary>Continues from a saved state: θ is already in <see cref="Theta"/>.</summary>
    /// <param name="generation">The next generation to run.</param>
    /// <param name="firstMoment">Adam's m.</param>
    /// <param name="secondMoment">Adam's v.</param>
    /// <param name="adamStep">Adam's step count.</param>
    public void Restore(long generation, ReadOnlySpan<float> firstMoment, ReadOnlySpan<float> secondMoment, long adamStep)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(generation);
        Optimizer.Restore(firstMoment, secondMoment, adamStep);
        Generation = generation;
        _asked = null;
    }
}
