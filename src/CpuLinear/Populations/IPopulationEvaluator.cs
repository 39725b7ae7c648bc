using CpuLinear.Evolution;
using CpuLinear.Networks;
using CpuLinear.Scoring;

namespace CpuLinear.Populations;

/// <summary>
/// Evaluates the members of an ES generation on a network and a minibatch: the one seam between the ES algorithm
/// (<see cref="EvolutionStrategy"/>) and where members run (the CPU engine, a compute backend, other machines).
/// </summary>
/// <remarks>
/// <para>
/// <b>Fitness sign:</b> member m's fitness is −(mean softmax cross-entropy of θ ± σεⱼ on the minibatch): higher is
/// better, as <see cref="EvolutionStrategy.Tell"/> expects.
/// </para>
/// <para>
/// <b>Bits:</b> a member kind gives the same fitness bits on every evaluator that supports it, for any split of the
/// pairs into ranges and any thread count; every GEMM keeps the FMA-chain contract and losses sum rows in index order.
/// </para>
/// <para>
/// <b>Thread-safety:</b> an evaluator keeps scratch between calls; one call at a time per instance.
/// </para>
/// </remarks>
public interface IPopulationEvaluator : IDisposable
{
    /// <summary>Where the members run, in words (for logs).</summary>
    string Description { get; }

    /// <summary>Whether this evaluator can evaluate members of <paramref name="kind"/>.</summary>
    bool Supports(MemberKind kind);

    /// <summary>
    /// Evaluates pairs [<paramref name="firstPair"/>, <paramref name="firstPair"/> + <paramref name="pairCount"/>) of
    /// <paramref name="generation"/>: <c>fitness[2i]</c> and <c>fitness[2i + 1]</c> receive pair firstPair + i's
    /// members θ + σε and θ − σε.
    /// </summary>
    /// <param name="theta">θ, the population's centre (read only).</param>
    /// <param name="generation">The generation, its σ and its drawn noise.</param>
    /// <param name="batch">The generation's minibatch.</param>
    /// <param name="firstPair">First pair of the range.</param>
    /// <param name="pairCount">Pairs in the range.</param>
    /// <param name="fitness">2 · <paramref name="pairCount"/> fitnesses, by member.</param>
    /// <param name="scoreCentre">Also score θ itself (for progress reports).</param>
    /// <returns>θ's mean loss and accuracy on the minibatch when <paramref name="scoreCentre"/>, else null.</returns>
    /// <exception cref="NotSupportedException">The generation's member kind is not supported.</exception>
    /// <exception cref="ArgumentException">The range, fitness length, batch or noise does not match θ.</exception>
    EvaluationResult? Evaluate(
        NetworkParameters theta, GenerationRequest generation, Minibatch batch, int firstPair, int pairCount, Span<double> fitness, bool scoreCentre = false);
}
