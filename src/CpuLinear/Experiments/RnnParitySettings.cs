using CpuLinear.Evolution;
using CpuLinear.Networks;

namespace CpuLinear.Experiments;

/// <summary>
/// Settings of the linear-RNN parity experiment (<see cref="RnnParityExperiment"/>): which networks, lengths and
/// semantics, and the ES budget each run gets.
/// </summary>
public sealed record RnnParitySettings
{
    /// <summary>Sequence lengths, one set of runs each.</summary>
    public IReadOnlyList<int> Lengths { get; init; } = [2, 3, 4, 8, 16, 32, 64];

    /// <summary>The semantics each recurrent network is trained and tested under.</summary>
    public IReadOnlyList<FloatSemantics> Semantics { get; init; } = [FloatSemantics.Ieee, FloatSemantics.FtzElementwise, FloatSemantics.FtzEverywhere];

    /// <summary>State units n.</summary>
    public int StateSize { get; init; } = 16;

    /// <summary>How W is made from θ (default: positive eigenvalues).</summary>
    public StateMatrixKind StateMatrix { get; init; } = StateMatrixKind.PositiveEigenvalues;

    /// <summary>Also train the one-layer baseline (softmax regression on the whole sequence, under IEEE) at each length.</summary>
    public bool OneLayerBaseline { get; init; } = true;

    /// <summary>Also test the hand-built θ of <see cref="ParityConstruction"/> (not trained) under each semantics at each length.</summary>
    public bool HandBuilt { get; init; } = true;

    /// <summary>Feed the bits as −1 / +1 (the default, as the project's synthetic parity task) rather than 0 / 1.</summary>
    public bool SignedInputs { get; init; } = true;

    /// <summary>
    /// Train on sequences with random leading zeros (the parity of the last L bits, L uniform in [1, length]) instead
    /// of uniform ones; testing is always on uniform sequences.
    /// </summary>
    public bool Curriculum { get; init; }

    /// <summary>
    /// T in the fitness −mean cross-entropy(logits / T). Above 1 the loss is nearly linear in the margin over the
    /// logits' range, so a population is not pushed to shrink uninformative logits into the readout's dead zone.
    /// </summary>
    public float FitnessTemperature { get; init; } = 1f;

    /// <summary>Antithetic pairs per generation.</summary>
    public int Pairs { get; init; } = 64;

    /// <summary>Random training sequences per generation (shared by the population).</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Generations per run.</summary>
    public int Generations { get; init; } = 400;

    /// <summary>σ at the first generation (geometric schedule to <see cref="SigmaFinal"/>).</summary>
    public float SigmaInitial { get; init; } = 0.1f;

    /// <summary>σ at the last generation.</summary>
    public float SigmaFinal { get; init; } = 0.02f;

    /// <summary>Adam's step at the first generation (geometric schedule to <see cref="LearningRateFinal"/>).</summary>
    public float LearningRateInitial { get; init; } = 0.03f;

    /// <summary>Adam's step at the last generation.</summary>
    public float LearningRateFinal { get; init; } = 0.003f;

    /// <summary>
    /// Test sequences at lengths above <see cref="EnumeratedTestLength"/> (random, from a stream no training batch
    /// uses); at or below it every one of the 2^length sequences is tested once.
    /// </summary>
    public int TestSequences { get; init; } = 4096;

    /// <summary>The longest length tested on every sequence.</summary>
    public int EnumeratedTestLength { get; init; } = 12;

    /// <summary>Seeds the initial θ, the noise and the data.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Threads members are evaluated on (the results do not depend on it).</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>The ES settings of every run: full rank, no weight decay.</summary>
    public EvolutionSettings ToEvolutionSettings() => new()
    {
        Pairs = Pairs,
        BatchSize = BatchSize,
        Generations = Generations,
        SigmaInitial = SigmaInitial,
        SigmaFinal = SigmaFinal,
        LearningRateInitial = LearningRateInitial,
        LearningRateFinal = LearningRateFinal,
        WeightDecay = 0,
        FitnessTemperature = FitnessTemperature,
        Rank = 0,
        Seed = Seed,
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (Lengths.Count == 0 || Lengths.Any(l => l is < 2 or > 4096))
        {
            throw new ArgumentException($"Sequence lengths must be in [2, 4096] (one bit is linearly separable); got {string.Join(",", Lengths)}.");
        }

        if (Semantics.Count == 0 && !OneLayerBaseline)
        {
            throw new ArgumentException("Nothing to run: no semantics and no one-layer baseline.");
        }

        if (Semantics.Any(s => !Enum.IsDefined(s)) || Semantics.Distinct().Count() != Semantics.Count)
        {
            throw new ArgumentException($"Each semantics at most once; got {string.Join(",", Semantics)}.");
        }

        if (TestSequences < 1 || EnumeratedTestLength is < 0 or > ParitySequences.MaxEnumeratedLength)
        {
            throw new ArgumentException($"Test sequences must be positive and the enumerated length in [0, {ParitySequences.MaxEnumeratedLength}]; got {TestSequences} and {EnumeratedTestLength}.");
        }

        if (Threads < 1)
        {
            throw new ArgumentException($"Threads must be at least 1; got {Threads}.");
        }

        _ = new LinearRnnArchitecture(StateSize, StateMatrix);
        if (HandBuilt && StateSize < ParityConstruction.StateUnits)
        {
            throw new ArgumentException($"The hand-built θ needs at least {ParityConstruction.StateUnits} state units; got {StateSize}. Give more, or leave the hand-built rows out.");
        }
        ToEvolutionSettings().Validate();
    }
}
