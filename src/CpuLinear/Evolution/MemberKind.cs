namespace CpuLinear.Evolution;

/// <summary>
/// How the members of an ES population perturb θ: the data an evaluator is given (<see cref="PopulationNoise"/>)
/// and the question it answers with <c>Supports</c>. A kind gives the same bits on every evaluator that supports it.
/// </summary>
public enum MemberKind
{
    /// <summary>Every parameter perturbed: ε read from a noise table (<see cref="FullRankNoise"/>).</summary>
    FullRank,

    /// <summary>Each weight matrix perturbed by a rank-r product A·B, biases densely (<see cref="LowRankNoise"/>).</summary>
    LowRank,

    /// <summary>Low rank, with the first layer's perturbation on k of its units only (<see cref="UnitSubsetNoise"/>).</summary>
    UnitSubset,
}
