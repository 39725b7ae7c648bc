namespace CpuLinear.Evolution;

/// <summary>
/// One generation as <see cref="EvolutionStrategy.Ask"/> names it: which members to evaluate, at which σ, with
/// which noise. Member m is pair m / 2 with sign + for even m (θ + σε) and − for odd m (θ − σε).
/// </summary>
/// <param name="Generation">g, counted from 0.</param>
/// <param name="Sigma">σ(g): the perturbation's scale.</param>
/// <param name="LearningRate">The step size the update after this generation uses.</param>
/// <param name="Noise">Every pair's direction for g, already drawn; read-only for an evaluator.</param>
public sealed record GenerationRequest(long Generation, float Sigma, float LearningRate, PopulationNoise Noise)
{
    /// <summary>
    /// T in the fitness −mean cross-entropy(logits / T) (1: the plain loss). Evaluators that cannot apply it refuse
    /// a request with T ≠ 1.
    /// </summary>
    public float Temperature { get; init; } = 1f;

    /// <summary>Antithetic pairs in the generation.</summary>
    public int Pairs => Noise.Pairs;

    /// <summary>Members in the generation (2 · <see cref="Pairs"/>).</summary>
    public int Members => 2 * Noise.Pairs;

    /// <summary>The scale of member <paramref name="member"/>: +σ for even members, −σ for odd ones.</summary>
    public float ScaleOf(int member) => (member & 1) == 0 ? Sigma : -Sigma;
}
