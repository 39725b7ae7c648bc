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

    /// <summary>Low rank on the layers after the first only; W₁ and b₁ are not perturbed (<see cref="LaterLayerNoise"/>).</summary>
    LaterLayers,

    /// <summary>
    /// A block population: consecutive blocks of pairs, each block of one of the kinds above (<see cref="BlockNoise"/>).
    /// An evaluator that supports it supports every kind a block can have.
    /// </summary>
    Blocks,
}
