namespace CpuLinear.Evolution;

/// <summary>
/// Settings of an OpenAI-ES run (Salimans et al. 2017) on a dead-zone network. Every field is stored in the
/// checkpoint so a resumed run continues with exactly the same schedule.
/// </summary>
public sealed record EvolutionSettings
{
    /// <summary>Antithetic pairs per generation; the population is twice this (+ε and −ε).</summary>
    public int Pairs { get; init; } = 256;

    /// <summary>Minibatch rows shared by the whole population in one generation.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Generations of the whole run: the σ and learning-rate schedules span this many.</summary>
    public int Generations { get; init; } = 7000;

    /// <summary>Perturbation scale at generation 0.</summary>
    public float SigmaInitial { get; init; } = 0.02f;

    /// <summary>Perturbation scale at the last generation (geometric interpolation in between).</summary>
    public float SigmaFinal { get; init; } = 0.005f;

    /// <summary>Adam step size at generation 0.</summary>
    public float LearningRateInitial { get; init; } = 0.003f;

    /// <summary>Adam step size at the last generation (geometric interpolation in between).</summary>
    public float LearningRateFinal { get; init; } = 0.0002f;

    /// <summary>L2 coefficient λ: the update direction is −ĝ + λθ, as in OpenAI's es.py.</summary>
    public float WeightDecay { get; init; } = 0.005f;

    /// <summary>
    /// Rank r of each weight matrix's perturbation σ·A·Bᵀ/√r (EGGROLL); 0 perturbs every weight independently
    /// (full rank). Biases are always perturbed at full rank (they are small).
    /// </summary>
    public int Rank { get; init; } = 1;

    /// <summary>
    /// First-layer hidden units each pair perturbs (needs <see cref="Rank"/> ≥ 1); 0 perturbs them all. A small
    /// subset lets every member reuse θ's first-layer activations and second-layer product and add only the
    /// changed units' contribution, which makes a member many times cheaper while each pair still measures a
    /// directional derivative of the same expected size (docs/evolution.md). Runs on the
    /// CPU engine and in the device session of the ILGPU backend (docs/gpu.md).
    /// </summary>
    public int FirstLayerUnits { get; init; }

    /// <summary>
    /// After every update, rescale each hidden layer's weights (all but the last layer) to the initialisation's
    /// RMS √(2/fan_in) (the trainer's <c>WeightRmsProjection</c>): keeps the units where the fixed-edge dead zones act
    /// instead of letting weight decay shrink them into silence (docs/evolution.md).
    /// </summary>
    public bool FixedWeightRms { get; init; }

    /// <summary>
    /// Seeds the minibatch order and, unless <see cref="NoiseSeed"/> is set, the noise: (seed, generation, pair)
    /// names a member.
    /// </summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>
    /// Seeds the members' noise on its own (null: <see cref="Seed"/>): two runs that differ only here see the same
    /// minibatches from the same θ₀ and differ only in the directions they try.
    /// </summary>
    public ulong? NoiseSeed { get; init; }

    /// <summary>How the update direction becomes a step (default Adam, as OpenAI-ES).</summary>
    public EvolutionOptimizer Optimizer { get; init; } = EvolutionOptimizer.Adam;

    /// <summary>How fitnesses become pair weights (default centered ranks).</summary>
    public FitnessShaping Shaping { get; init; } = FitnessShaping.CenteredRanks;

    /// <summary>Where <see cref="WeightDecay"/> acts (default L2 in the direction).</summary>
    public WeightDecayMode DecayMode { get; init; } = WeightDecayMode.L2;

    /// <summary>
    /// T in the fitness −mean cross-entropy(logits / T) (default 1): T &gt; 1 softens the softmax, so a member is
    /// rewarded for moving every example's margin, not only the misclassified ones'.
    /// </summary>
    public float FitnessTemperature { get; init; } = 1f;

    /// <summary>The seed of the members' noise: <see cref="NoiseSeed"/> if set, else <see cref="Seed"/>.</summary>
    public ulong EffectiveNoiseSeed => NoiseSeed ?? Seed;

    /// <summary>
    /// Later-layer pairs M added after the <see cref="Pairs"/> pairs of each generation (needs <see cref="Rank"/> ≥ 1
    /// and a network of at least two layers); 0, the default, adds none. They perturb only the layers after the
    /// first (<see cref="LaterLayerNoise"/>), so every one of them reuses θ's first-layer activations and second-layer
    /// product; the generation is then a block population (<see cref="BlockNoise"/>) of <see cref="PopulationPairs"/>
    /// pairs whose W₁ and b₁ estimate comes from the first <see cref="Pairs"/> pairs only. Runs on the CPU engine and in
    /// the device session of the ILGPU backend (docs/gpu.md).
    /// </summary>
    public int LaterLayerPairs { get; init; }

    /// <summary>
    /// σ per layer: layer l's perturbation (its factor A, hence A·Bᵀ, and its bias noise) is multiplied by entry l, so
    /// its members search at σ(g)·entry l; empty, the default, is 1 for every layer. One positive entry per layer of the
    /// network (checked where the noise is built); low-rank kinds only (<see cref="Rank"/> ≥ 1). Layer l's estimate is
    /// the one a run with σ(g)·entry l everywhere would make for that layer (docs/evolution.md, "σ per layer").
    /// </summary>
    public LayerScales SigmaLayerScales { get; init; } = LayerScales.None;

    /// <summary>Whether any layer's σ differs from σ(g) (<see cref="SigmaLayerScales"/> has an entry other than 1).</summary>
    public bool HasSigmaLayerScales => SigmaLayerScales.AnyNotOne;

    /// <summary>
    /// Activity pairs P per row (0, the default: members perturb θ). When positive the run estimates the gradient on
    /// the layers' products instead of on θ: every row of the batch gets, for every layer l, P antithetic pairs of its
    /// own that add ±σ·δ (δ a vector of random signs) to that row's product hₗ₋₁·Wₗ and run the literal layers above
    /// it; each weight matrix's estimate is then its input rows times the rows' estimates (docs/evolution.md,
    /// "Activity members"). <see cref="Pairs"/>, <see cref="Rank"/>, <see cref="FirstLayerUnits"/>,
    /// <see cref="LaterLayerPairs"/> and <see cref="SigmaLayerScales"/> do not apply; σ is measured in the products'
    /// scaled units, where the dead zone's edge is at ½. CPU engine only.
    /// </summary>
    public int ActivityPairs { get; init; }

    /// <summary>Which units an activity member perturbs (<see cref="ActivityPairs"/> &gt; 0).</summary>
    public ActivityUnits ActivityUnits { get; init; } = ActivityUnits.All;

    /// <summary>Whether the run uses activity members (<see cref="ActivityPairs"/> &gt; 0).</summary>
    public bool UsesActivityMembers => ActivityPairs > 0;

    /// <summary>All antithetic pairs of a generation: <see cref="Pairs"/> + <see cref="LaterLayerPairs"/>.</summary>
    public int PopulationPairs => Pairs + LaterLayerPairs;

    /// <summary>σ at <paramref name="generation"/>.</summary>
    public float SigmaAt(long generation) => Geometric(SigmaInitial, SigmaFinal, generation);

    /// <summary>Learning rate at <paramref name="generation"/>.</summary>
    public float LearningRateAt(long generation) => Geometric(LearningRateInitial, LearningRateFinal, generation);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (Pairs < 1 || BatchSize < 1 || Generations < 1)
        {
            throw new ArgumentException($"Pairs, batch size and generations must be positive; got {Pairs}, {BatchSize}, {Generations}.");
        }

        if (!(SigmaInitial > 0 && SigmaFinal > 0 && LearningRateInitial > 0 && LearningRateFinal > 0 && WeightDecay >= 0))
        {
            throw new ArgumentException($"σ and learning rates must be positive and weight decay non-negative; got σ {SigmaInitial}→{SigmaFinal}, lr {LearningRateInitial}→{LearningRateFinal}, λ {WeightDecay}.");
        }

        if (Rank is < 0 or > 64)
        {
            throw new ArgumentException($"The perturbation rank must be 0 (full) or 1..64; got {Rank}.");
        }

        if (!(FitnessTemperature > 0) || float.IsInfinity(FitnessTemperature))
        {
            throw new ArgumentException($"The fitness temperature must be positive and finite; got {FitnessTemperature}.");
        }

        if (!Enum.IsDefined(Optimizer) || !Enum.IsDefined(Shaping) || !Enum.IsDefined(DecayMode))
        {
            throw new ArgumentException($"Unknown optimiser, fitness shaping or decay mode: {Optimizer}, {Shaping}, {DecayMode}.");
        }

        if (FirstLayerUnits < 0 || (FirstLayerUnits > 0 && Rank == 0))
        {
            throw new ArgumentException($"First-layer units must be 0 (all) or positive with a low-rank perturbation (rank ≥ 1); got {FirstLayerUnits} units at rank {Rank}.");
        }

        if (LaterLayerPairs < 0 || (LaterLayerPairs > 0 && Rank == 0))
        {
            throw new ArgumentException($"Later-layer pairs must be 0 (none) or positive with a low-rank perturbation (rank ≥ 1); got {LaterLayerPairs} pairs at rank {Rank}.");
        }

        if (SigmaLayerScales is null)
        {
            throw new ArgumentException("σ layer scales must be a list (LayerScales.None for none).");
        }

        if (HasSigmaLayerScales && Rank == 0)
        {
            throw new ArgumentException("σ per layer needs a low-rank perturbation (rank ≥ 1); full-rank members draw one table for all of θ.");
        }

        if (ActivityPairs < 0 || ActivityPairs > 4096 || !Enum.IsDefined(ActivityUnits))
        {
            throw new ArgumentException($"Activity pairs must be 0 (none) or 1..4096 per row, with a known unit choice; got {ActivityPairs} ({ActivityUnits}).");
        }

        if (UsesActivityMembers && (FirstLayerUnits != 0 || LaterLayerPairs != 0 || HasSigmaLayerScales))
        {
            throw new ArgumentException($"Activity members perturb every layer's products row by row; first-layer units ({FirstLayerUnits}), later-layer pairs ({LaterLayerPairs}) and σ per layer ({SigmaLayerScales}) belong to members that perturb θ.");
        }

        if ((long)Pairs + LaterLayerPairs > int.MaxValue / 2)
        {
            throw new ArgumentException($"Pairs plus later-layer pairs must be at most {int.MaxValue / 2}; got {Pairs} + {LaterLayerPairs}.");
        }
    }

    // Computed in double and rounded once, so the value depends only on the generation: a resumed run sees
    // the same σ and step size as an uninterrupted one.
    private float Geometric(float initial, float final, long generation)
    {
        double t = Generations <= 1 ? 0 : Math.Clamp(generation / (double)(Generations - 1), 0, 1);
        return (float)(initial * Math.Pow(final / (double)initial, t));
    }
}
