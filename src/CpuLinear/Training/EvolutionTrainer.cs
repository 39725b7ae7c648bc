using System.Diagnostics;
using CpuLinear.Data;
using CpuLinear.Evolution;
using CpuLinear.Networks;
using CpuLinear.Optimization;
using CpuLinear.Populations;
using CpuLinear.Scoring;

namespace CpuLinear.Training;

/// <summary>
/// Evolution strategies on the dead-zone (FTZ-elementwise) network: it optimises the function float32 actually
/// computes, which backprop cannot see. A thin loop: the ES algorithm (<see cref="EvolutionStrategy"/>) names each
/// generation's members, an <see cref="IPopulationEvaluator"/> scores them on the generation's minibatch, and the
/// strategy updates θ.
/// </summary>
/// <remarks>
/// <para>
/// <b>Sign convention:</b> fitness = −(mean softmax cross-entropy on the generation's minibatch), maximised.
/// </para>
/// <para>
/// <b>Determinism:</b> the minibatch is a pure function of (seed, g) (<see cref="EvolutionMinibatches"/>) and the
/// members of (seed, g, j) (<see cref="PopulationNoise"/>); evaluators give the same fitness bits for a member kind
/// whatever their thread count, and the strategy sums pairs in index order. So θ after any generation has the same
/// bits for any thread count and any evaluator that supports the kind, and a run resumed from a checkpoint
/// (<see cref="EvolutionCheckpoint"/>) ends with the same bits.
/// </para>
/// </remarks>
public sealed class EvolutionTrainer : IEvolutionRun
{
    private readonly EvolutionMinibatches _minibatches;
    private readonly Minibatch _batch = new();
    private readonly double[] _fitness;

    /// <summary>Starts (or continues) ES from <paramref name="parameters"/>, which are updated in place.</summary>
    /// <param name="parameters">θ, updated in place.</param>
    /// <param name="settings">The run's settings; <see cref="EvolutionSettings.Rank"/>, <see cref="EvolutionSettings.FirstLayerUnits"/> and <see cref="EvolutionSettings.LaterLayerPairs"/> choose the member kind.</param>
    /// <param name="engine">Threads and kernel path of the CPU work.</param>
    /// <param name="evaluator">Where members are evaluated; null: the CPU engine (<see cref="CpuPopulationEvaluator"/>). The trainer does not dispose it.</param>
    /// <exception cref="ArgumentException">The settings are invalid or the evaluator does not support their member kind.</exception>
    public EvolutionTrainer(NetworkParameters parameters, EvolutionSettings settings, EngineSettings? engine = null, IPopulationEvaluator? evaluator = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        if (settings.UsesActivityMembers)
        {
            throw new ArgumentException($"Activity members ({settings.ActivityPairs} pairs per row) are run by ActivityEvolutionRun, not by a population evaluator.", nameof(settings));
        }

        engine ??= EngineSettings.Default;
        Evaluator = evaluator ?? new CpuPopulationEvaluator(engine);
        PopulationNoise noise = PopulationNoise.For(parameters.Architecture, settings, engine);
        if (!Evaluator.Supports(noise.Kind))
        {
            throw new ArgumentException(
                noise.Kind switch
                {
                    MemberKind.UnitSubset => $"Perturbing a subset of first-layer units ({settings.FirstLayerUnits}) runs on the CPU engine only; use FirstLayerUnits = 0 with the {Evaluator.Description} backend.",
                    MemberKind.Blocks or MemberKind.LaterLayers => $"Later-layer pairs ({settings.LaterLayerPairs}) run on the CPU engine only; use LaterLayerPairs = 0 with the {Evaluator.Description} backend.",
                    _ => $"{Evaluator.Description} does not evaluate {noise.Kind} members.",
                },
                nameof(evaluator));
        }

        Parameters = parameters;
        Settings = settings;
        Strategy = new EvolutionStrategy(parameters.Values, settings, noise, engine);
        _minibatches = new EvolutionMinibatches(settings.BatchSize, settings.Seed);
        _fitness = new double[Strategy.PopulationSize];
    }

    /// <summary>The parameters being trained (θ); updated in place by <see cref="Step"/>.</summary>
    public NetworkParameters Parameters { get; }

    /// <summary>The run's settings.</summary>
    public EvolutionSettings Settings { get; }

    /// <summary>The ES algorithm: noise, Adam state, generation.</summary>
    public EvolutionStrategy Strategy { get; }

    /// <summary>Where members are evaluated.</summary>
    public IPopulationEvaluator Evaluator { get; }

    /// <summary>The last generation's fitness (−mean loss) of member 2j (θ + σεⱼ) and 2j+1 (θ − σεⱼ).</summary>
    public ReadOnlySpan<double> Fitness => Strategy.Fitness;

    /// <summary>Adam's state; its step counts the updates made so far.</summary>
    public AdamOptimizer Optimizer => Strategy.Optimizer;

    /// <inheritdoc />
    public long AdamStep => Optimizer.Step;

    /// <inheritdoc />
    public ReadOnlySpan<float> AdamFirstMoment => Optimizer.FirstMoment;

    /// <inheritdoc />
    public ReadOnlySpan<float> AdamSecondMoment => Optimizer.SecondMoment;

    /// <inheritdoc />
    public string Description => Evaluator.Description;

    /// <summary>The next generation to run (= generations completed so far).</summary>
    public long Generation => Strategy.Generation;

    /// <summary>Whether the run has done all of <see cref="EvolutionSettings.Generations"/>.</summary>
    public bool Finished => Strategy.Finished;

    /// <summary>Continues from a saved state: θ is already in <see cref="Parameters"/>.</summary>
    public void Restore(long generation, ReadOnlySpan<float> firstMoment, ReadOnlySpan<float> secondMoment, long adamStep) =>
        Strategy.Restore(generation, firstMoment, secondMoment, adamStep);

    /// <summary>
    /// Applies generation <see cref="Generation"/>'s fitnesses evaluated elsewhere (member m at index m; higher is
    /// better): the update <see cref="Step"/> makes after its evaluation, with the same bits (the strategy's tell,
    /// then the weight-RMS projection when <see cref="EvolutionSettings.FixedWeightRms"/>). A replica of the run on
    /// another machine calls this with the fitnesses the whole cluster computed, so its θ stays identical.
    /// </summary>
    /// <exception cref="ArgumentException">The fitness vector has the wrong length or a NaN.</exception>
    public void Tell(ReadOnlySpan<double> fitness)
    {
        Strategy.Ask();
        Strategy.Tell(fitness);
        if (Settings.FixedWeightRms)
        {
            WeightRmsProjection.Apply(Parameters);
        }
    }

    /// <summary>Runs one generation on <paramref name="data"/> (the training split) and updates θ.</summary>
    /// <exception cref="ArgumentException">The data's features do not match the network's inputs.</exception>
    public GenerationSummary Step(LabeledImages data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Features != Parameters.Architecture.Inputs)
        {
            throw new ArgumentException($"The network takes {Parameters.Architecture.Inputs} inputs; the data has {data.Features} features.", nameof(data));
        }

        var clock = Stopwatch.StartNew();
        GenerationRequest generation = Strategy.Ask();
        _minibatches.Gather(data, generation.Generation, _batch);
        EvaluationResult centre = Evaluator.Evaluate(Parameters, generation, _batch, 0, generation.Pairs, _fitness, scoreCentre: true)
            ?? throw new InvalidOperationException($"{Evaluator.Description} did not score the centre.");
        Tell(_fitness);
        double mean = 0, best = double.NegativeInfinity;
        foreach (double f in _fitness)
        {
            mean += f;
            best = Math.Max(best, f);
        }

        return new GenerationSummary(
            generation.Generation, generation.Sigma, generation.LearningRate, centre.Loss, centre.Accuracy, mean / _fitness.Length, best, clock.Elapsed.TotalSeconds,
            (long)generation.Members * _batch.Rows);
    }
}
