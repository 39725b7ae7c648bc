namespace CpuLinear.Experiments;

/// <summary>
/// How one block of θ's ES estimate ĝ lines up, at one population size, with the literal program's gradients and
/// with a second estimate from independent noise (<see cref="GradientAlignmentExperiment"/>). Every cosine is between
/// ascent directions: ĝ and −∇loss.
/// </summary>
/// <param name="Pairs">Antithetic pairs in each estimate.</param>
/// <param name="Block">W1, b1, W2, …, or all.</param>
/// <param name="Parameters">Parameters in the block.</param>
/// <param name="FtzAware">cos(ĝ, −∇loss) with the FTZ-aware gradient (the dead zones' true derivative), the mean of the two estimates' cosines.</param>
/// <param name="StraightThrough">cos(ĝ, −∇loss) with the straight-through gradient (the dead zones treated as the identity).</param>
/// <param name="BetweenSeeds">cos(ĝ₁, ĝ₂): two estimates from the same θ and minibatch with independent noise. If each is its mean plus independent noise, this is the fraction of an estimate's squared norm that is signal.</param>
/// <param name="GradientsAgree">cos(∇loss FTZ-aware, ∇loss straight-through) on the block: how far the two gradients are apart.</param>
public sealed record GradientAlignmentRow(
    int Pairs,
    string Block,
    int Parameters,
    double FtzAware,
    double StraightThrough,
    double BetweenSeeds,
    double GradientsAgree);
