using CpuLinear.Evolution;

namespace CpuLinear.Experiments;

/// <summary>Settings of the gradient-alignment experiment (<see cref="GradientAlignmentExperiment"/>).</summary>
public sealed record GradientAlignmentSettings
{
    /// <summary>
    /// The ES run whose estimates are measured: member kind (rank, first-layer units, later-layer pairs), σ schedule,
    /// batch size, fitness shaping and seed (its minibatch of <see cref="Generation"/> is the one measured on).
    /// Its <see cref="EvolutionSettings.Pairs"/> is replaced by each entry of <see cref="PairCounts"/> (with activity
    /// members, <see cref="EvolutionSettings.ActivityPairs"/>: pairs per row and layer).
    /// </summary>
    public EvolutionSettings Members { get; init; } = new() { Pairs = 1024, FirstLayerUnits = 64, Generations = 2600, SigmaInitial = 0.02f, SigmaFinal = 0.005f };

    /// <summary>Populations (antithetic pairs) to measure, each with two independent noise seeds.</summary>
    public IReadOnlyList<int> PairCounts { get; init; } = [64, 256, 1024, 4096];

    /// <summary>Which generation's minibatch, σ and noise (0: the first; σ follows the schedule of <see cref="Members"/>).</summary>
    public long Generation { get; init; }

    /// <summary>Threads (the results do not depend on it).</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Members);
        Members.Validate();
        if (PairCounts is null || PairCounts.Count == 0 || PairCounts.Any(p => p < 1 || p > int.MaxValue / 4))
        {
            throw new ArgumentException($"Pair counts must be at least one positive number of pairs; got {(PairCounts is null ? "none" : string.Join(", ", PairCounts))}.");
        }

        if (Generation < 0 || Threads < 1)
        {
            throw new ArgumentException($"The generation must be non-negative and threads positive; got generation {Generation}, {Threads} threads.");
        }
    }
}
