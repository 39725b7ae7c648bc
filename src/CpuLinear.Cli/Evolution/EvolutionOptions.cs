using System.CommandLine;
using CpuLinear.Backends;
using CpuLinear.Cli.Options;
using CpuLinear.Evolution;
using CpuLinear.Gpu;
using CpuLinear.Populations;
using CpuLinear.Training;

namespace CpuLinear.Cli.Evolution;

/// <summary>
/// The ES options of <c>train --method es</c>; the defaults shown are the library's (MNIST's), and a synthetic
/// dataset brings its own (<see cref="DatasetDefaults"/>) for the options not given.
/// </summary>
internal sealed class EvolutionOptions
{
    private static readonly EvolutionSettings Defaults = new();

    public Option<int> Generations { get; } = new("--generations") { Description = "ES generations (the σ and lr schedules span them).", DefaultValueFactory = _ => Defaults.Generations };
    public Option<int> Pairs { get; } = new("--pairs") { Description = "Antithetic pairs per generation (population = 2 x pairs).", DefaultValueFactory = _ => Defaults.Pairs };
    public Option<int> Batch { get; } = new("--es-batch") { Description = "Minibatch rows shared by the population each generation.", DefaultValueFactory = _ => Defaults.BatchSize };
    public Option<float> Sigma { get; } = new("--sigma") { Description = "Perturbation scale σ at the first generation.", DefaultValueFactory = _ => Defaults.SigmaInitial };
    public Option<float> SigmaFinal { get; } = new("--sigma-final") { Description = "σ at the last generation (geometric decay).", DefaultValueFactory = _ => Defaults.SigmaFinal };
    public Option<float> LearningRate { get; } = new("--es-lr") { Description = "Adam step size at the first generation.", DefaultValueFactory = _ => Defaults.LearningRateInitial };
    public Option<float> LearningRateFinal { get; } = new("--es-lr-final") { Description = "Adam step size at the last generation (geometric decay).", DefaultValueFactory = _ => Defaults.LearningRateFinal };
    public Option<float> WeightDecay { get; } = new("--weight-decay") { Description = "L2 coefficient λ (update direction −ĝ + λθ).", DefaultValueFactory = _ => Defaults.WeightDecay };
    public Option<int> Rank { get; } = new("--rank") { Description = "Rank of each weight matrix's perturbation (EGGROLL); 0 = full rank.", DefaultValueFactory = _ => Defaults.Rank };
    public Option<int> FirstLayerUnits { get; } = new("--first-layer-units") { Description = "First-layer units each pair perturbs (members reuse θ's activations for the rest; the CPU engine, or train on a device backend); 0 = all.", DefaultValueFactory = _ => Defaults.FirstLayerUnits };
    public Option<bool> FixedWeightRms { get; } = new("--fixed-weight-rms") { Description = "After every update, rescale each hidden layer's weights to the initialisation's RMS √(2/fan_in), so weight decay cannot shrink units into the dead zone.", DefaultValueFactory = _ => Defaults.FixedWeightRms };
    public Option<ulong?> NoiseSeed { get; } = new("--noise-seed") { Description = "Seed of the members' noise alone (default: --seed); the minibatches and θ₀ keep --seed." };
    public Option<string> Optimizer { get; } = Choice("--es-optimizer", "How the ES direction becomes a step: adam (OpenAI-ES) or sgd (θ −= lr·direction).", EvolutionCheckpoint.OptimizerNames);
    public Option<string> Shaping { get; } = Choice("--fitness-shaping", "Pair weights from fitnesses: ranks (centered ranks) or zscore (pair differences z-scored over the pairs).", EvolutionCheckpoint.ShapingNames);
    public Option<string> DecayMode { get; } = Choice("--weight-decay-mode", "l2 (λθ in the direction, normalised by Adam) or decoupled (θ ×= 1 − lr·λ before each step).", EvolutionCheckpoint.DecayNames);
    public Option<float> Temperature { get; } = new("--fitness-temperature") { Description = "T in the fitness −cross-entropy(logits / T); T ≠ 1 runs on the CPU engine or train on a device backend.", DefaultValueFactory = _ => Defaults.FitnessTemperature };
    public Option<string?> Metrics { get; } = new("--metrics") { Description = "Per-generation metrics file: .csv, else JSON Lines (default: <out>/<name>.metrics.jsonl)." };
    public Option<string?> Resume { get; } = new("--resume") { Description = "Continue an ES checkpoint; the run ends with the same bits as an uninterrupted one." };
    public Option<string?> Init { get; } = new("--init") { Description = "Start θ from any checkpoint of the same network (e.g. an FTZ-aware backprop one)." };
    public Option<string> Backend { get; } = SharedOptions.Backend("the ES population");

    public Option<float> InitScale { get; } = new("--init-scale") { Description = "Multiply the random initialisation's weights by this factor (1 = Normal(0, √(2/fan_in))); a random start only, not with --init or --resume.", DefaultValueFactory = _ => 1f };

    public Option<double?> TimeLimit { get; } = new("--time-limit") { Description = "Stop after this many minutes, with a checkpoint." };

    public Option<string?> Cluster { get; } = SharedOptions.Cluster();

    public Option<string> ClusterId { get; } = SharedOptions.ClusterId();

    public Option<string?> ClusterSecret { get; } = SharedOptions.ClusterSecret();

    public Option<int> LaterLayerPairs { get; } = new("--later-layer-pairs") { Description = "Pairs added after --pairs that perturb only the layers after the first (they reuse θ's first two layers' work; the CPU engine, or train on a device backend); 0 = none.", DefaultValueFactory = _ => Defaults.LaterLayerPairs };

    public Option<string?> SigmaLayers { get; } = new("--sigma-layers") { Description = "σ per layer: one factor per layer, comma-separated (e.g. 1,2,4 for three layers); layer l's members search at σ·factor l. Low-rank kinds; the CPU engine, a compute backend or a cluster. Default: 1 for every layer." };

    public Option<string?> LinearizedFitness { get; } = new("--linearized-fitness") { Description = "A diagnostic, not ES: score each member by the first-order model of the minibatch loss along this backprop gradient (ftz-aware, straight-through or pure-linear) instead of running it; everything else is ES's. The CPU engine only; its checkpoints are named es-linearized-GRADIENT, and a resumed run needs the option again.", HelpName = "GRADIENT" };

    public Option<int> ActivityPairs { get; } = new("--activity-pairs") { Description = "Activity members: P antithetic pairs per batch row and layer that add ±σ·(random signs) to that row's product hₗ₋₁·Wₗ and run the literal layers above it (σ in the products' scaled units, where the flush's edge is at 0.5); the weight estimate is the layer's input rows times the rows' estimates. Replaces --pairs' members; the CPU engine only. 0 = off.", DefaultValueFactory = _ => Defaults.ActivityPairs };

    public Option<string> ActivityUnits { get; } = Choice("--activity-units", "Units an activity member perturbs: all (every unit; the flush's edge inside the search) or live (only units non-zero at the centre and at ±σ: no jump across the edge of the perturbed layer; reads where the flush is).", EvolutionCheckpoint.ActivityUnitNames);

    /// <summary>Every ES option, in help order.</summary>
    public IReadOnlyList<Option> All => [Generations, Pairs, Batch, Sigma, SigmaFinal, LearningRate, LearningRateFinal, WeightDecay, Rank, FirstLayerUnits, LaterLayerPairs, ActivityPairs, ActivityUnits, SigmaLayers, FixedWeightRms, NoiseSeed, Optimizer, Shaping, DecayMode, Temperature, LinearizedFitness, Metrics, Resume, Init, InitScale, Backend, TimeLimit, Cluster, ClusterId, ClusterSecret];

    public void AddTo(Command command)
    {
        foreach (Option option in All)
        {
            command.Options.Add(option);
        }
    }

    /// <summary>
    /// The settings the command line gives: each option's value where it was given, else the field of
    /// <paramref name="defaults"/> (null: the library's defaults, which are the options' own), so a dataset can bring
    /// defaults of its own without changing what an explicit option means.
    /// </summary>
    /// <exception cref="ArgumentException">A setting is out of range (a usage error).</exception>
    public EvolutionSettings Read(ParseResult parse, ulong seed, EvolutionSettings? defaults = null)
    {
        EvolutionSettings d = defaults ?? Defaults;
        T Pick<T>(Option<T> option, T fallback) => parse.GetResult(option) is { Implicit: false } ? parse.GetValue(option)! : fallback;
        int Named(Option<string> option, IReadOnlyList<string> names, int fallback) =>
            parse.GetResult(option) is { Implicit: false } ? IndexOf(parse.GetValue(option)!, names) : fallback;
        var settings = new EvolutionSettings
        {
            Generations = Pick(Generations, d.Generations),
            Pairs = Pick(Pairs, d.Pairs),
            BatchSize = Pick(Batch, d.BatchSize),
            SigmaInitial = Pick(Sigma, d.SigmaInitial),
            SigmaFinal = Pick(SigmaFinal, d.SigmaFinal),
            LearningRateInitial = Pick(LearningRate, d.LearningRateInitial),
            LearningRateFinal = Pick(LearningRateFinal, d.LearningRateFinal),
            WeightDecay = Pick(WeightDecay, d.WeightDecay),
            Rank = Pick(Rank, d.Rank),
            FirstLayerUnits = Pick(FirstLayerUnits, d.FirstLayerUnits),
            FixedWeightRms = Pick(FixedWeightRms, d.FixedWeightRms),
            Seed = seed,
            NoiseSeed = Pick(NoiseSeed, d.NoiseSeed),
            Optimizer = (EvolutionOptimizer)Named(Optimizer, EvolutionCheckpoint.OptimizerNames, (int)d.Optimizer),
            Shaping = (FitnessShaping)Named(Shaping, EvolutionCheckpoint.ShapingNames, (int)d.Shaping),
            DecayMode = (WeightDecayMode)Named(DecayMode, EvolutionCheckpoint.DecayNames, (int)d.DecayMode),
            FitnessTemperature = Pick(Temperature, d.FitnessTemperature),
            LaterLayerPairs = Pick(LaterLayerPairs, d.LaterLayerPairs),
            ActivityPairs = Pick(ActivityPairs, d.ActivityPairs),
            ActivityUnits = (ActivityUnits)Named(ActivityUnits, EvolutionCheckpoint.ActivityUnitNames, (int)d.ActivityUnits),
            SigmaLayerScales = parse.GetResult(SigmaLayers) is { Implicit: false } && parse.GetValue(SigmaLayers) is { } scales
                ? LayerScales.Parse(scales)
                : d.SigmaLayerScales,
        };
        settings.Validate();
        return settings;
    }

    // An option that takes one of the names; the first is the default. The parser rejects any other value.
    private static Option<string> Choice(string name, string description, IReadOnlyList<string> names)
    {
        var option = new Option<string>(name) { Description = description, DefaultValueFactory = _ => names[0] };
        option.AcceptOnlyFromAmong([.. names]);
        return option;
    }

    // The parser accepted only these names, so the lookup cannot miss; if it does, say so.
    private static int IndexOf(string value, IReadOnlyList<string> names)
    {
        int index = EvolutionCheckpoint.IndexOfName(names, value);
        return index >= 0 ? index : throw new ArgumentException($"'{value}' is not one of {string.Join(", ", names)}.");
    }

    /// <summary>
    /// The population evaluator <c>--backend</c> names: the CPU engine's own evaluator for <c>cpu</c>, otherwise the
    /// compute backend (owned by the evaluator, so disposing it releases the device) behind the same interface.
    /// </summary>
    public static IPopulationEvaluator CreateEvaluator(string name, EngineSettings engine)
    {
        BackendKind kind = BackendKinds.Parse(name);
        return kind == BackendKind.Cpu
            ? new CpuPopulationEvaluator(engine)
            : new BackendPopulationEvaluator(ComputeBackends.Create(kind, engine), ownsBackend: true);
    }
}
