namespace CpuLinear.Evolution;

/// <summary>How the population's fitnesses become the pair weights of the gradient estimate.</summary>
public enum FitnessShaping
{
    /// <summary>Centered ranks over all members in [−0.5, 0.5]; a pair's weight is rank⁺ − rank⁻ (OpenAI-ES).</summary>
    CenteredRanks,

    /// <summary>
    /// Pair differences f⁺ − f⁻ z-scored over the pairs (mean removed, divided by their standard deviation), so the
    /// weights keep the differences' proportions: a pair that tells twice as much weighs twice as much.
    /// </summary>
    ZScoredDifferences,
}
