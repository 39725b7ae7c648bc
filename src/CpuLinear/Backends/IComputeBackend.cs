using CommunityToolkit.HighPerformance;
using CpuLinear.Networks;
using CpuLinear.Scoring;
using CpuLinear.Training;

namespace CpuLinear.Backends;

/// <summary>
/// Where the engine's float32 work runs: the CPU engine (<see cref="CpuBackend"/>) or an accelerator
/// (the ILGPU backend in <c>CpuLinear.Gpu</c>). Every implementation computes the same bits.
/// </summary>
/// <remarks>
/// <para>
/// The contract that makes backends interchangeable: each GEMM output element is one fused-multiply-add chain
/// over k in increasing order starting from +0 (<see cref="Kernels.Gemm"/>); dead zones are explicit
/// compare-and-select, never a device's flush-to-zero; loss sums combine rows in index order, in double,
/// exactly as <see cref="SoftmaxCrossEntropy"/> does. The forward pass is the fused dead-zone form of
/// <see cref="FloatSemantics.FtzElementwise"/> (<see cref="FusedExecutor"/>).
/// </para>
/// <para>
/// A backend keeps scratch and device buffers between calls (allocated once, grown when a larger problem
/// arrives), so it is not thread-safe: use one per thread. Dispose it to release device memory.
/// </para>
/// <para>
/// Dead-zone thresholds: <c>D_t(v) = |v| &lt; t ? ±0 : v</c> (sign kept, NaN and infinity untouched); a
/// threshold of 0 turns that dead zone off.
/// </para>
/// </remarks>
public interface IComputeBackend : IForwardExecutor, IDisposable
{
    /// <summary>The backend's name as <c>--backend</c> spells it.</summary>
    BackendKind Kind { get; }

    /// <summary>The device the work runs on, in words (for logs and <c>cpulinear info</c>).</summary>
    string DeviceDescription { get; }

    /// <summary>
    /// <c>C = D_out(D_in(A·B) + bias)</c> for dense row-major A (m x k), B (k x n), C (m x n).
    /// </summary>
    /// <param name="m">Rows of A and C.</param>
    /// <param name="n">Columns of B and C.</param>
    /// <param name="k">Columns of A, rows of B.</param>
    /// <param name="a">A, <c>m·k</c> floats.</param>
    /// <param name="b">B, <c>k·n</c> floats.</param>
    /// <param name="bias">
    /// <c>n</c> values added after <c>D_in</c>, used as given (not flushed); empty for no add at all (which is
    /// not the same as adding zeros: <c>-0 + +0</c> is <c>+0</c>).
    /// </param>
    /// <param name="inputThreshold">Threshold of <c>D_in</c> (0: off).</param>
    /// <param name="outputThreshold">Threshold of <c>D_out</c> (0: off).</param>
    /// <param name="c">C, <c>m·n</c> floats, overwritten.</param>
    /// <exception cref="ArgumentException">A span is shorter than its shape or the bias length is neither 0 nor n.</exception>
    /// <exception cref="DeviceMemoryExceededException">The operands do not fit the device.</exception>
    void Gemm(int m, int n, int k, ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> bias, float inputThreshold, float outputThreshold, Span<float> c);

    /// <summary>Element-wise flush in place: <c>values[i] = D_t(values[i])</c> (DAZ/FTZ in the units <paramref name="threshold"/> is given in).</summary>
    void DeadZone(Span<float> values, float threshold);

    /// <summary>
    /// Flushed bias add in place on row-major rows: <c>values[r, j] = D_out(D_in(values[r, j]) + bias[j])</c>,
    /// the element-wise half of the GEMM epilogue.
    /// </summary>
    /// <exception cref="ArgumentException">The values are not whole rows of <c>bias.Length</c> columns.</exception>
    void AddBiasDeadZone(Span<float> values, ReadOnlySpan<float> bias, float inputThreshold, float outputThreshold);

    /// <summary>
    /// Forward pass then softmax cross-entropy on one batch: mean loss and argmax accuracy, with the loss
    /// summed over rows in index order in double exactly as <see cref="SoftmaxCrossEntropy.Evaluate(ReadOnlySpan2D{float}, ReadOnlySpan{byte}, Span2D{float}, float, out int)"/> does.
    /// </summary>
    EvaluationResult EvaluateBatch(NetworkParameters parameters, ReadOnlySpan2D<float> inputs, ReadOnlySpan<byte> labels);

    /// <summary>
    /// Evaluates P parameter vectors on one shared minibatch (an evolution-strategies generation).
    /// </summary>
    /// <param name="architecture">The network every member instantiates.</param>
    /// <param name="members">P flat parameter vectors back to back (<c>P · ParameterCount</c> floats).</param>
    /// <param name="inputs">The minibatch (batch x inputs).</param>
    /// <param name="labels">Its labels.</param>
    /// <param name="results">Receives member p's mean loss and accuracy at index p (length P).</param>
    /// <exception cref="DeviceMemoryExceededException">Not even one member and the minibatch fit the device.</exception>
    void EvaluatePopulation(NetworkArchitecture architecture, ReadOnlySpan<float> members, ReadOnlySpan2D<float> inputs, ReadOnlySpan<byte> labels, Span<EvaluationResult> results);

    /// <summary>
    /// Evaluates members <c>θ_p = base + perturbations[p]</c> (one float32 add per parameter, the same rounding on
    /// every backend) on one shared minibatch. Antithetic pairs are passed as two rows, <c>+σε</c> and <c>−σε</c>.
    /// </summary>
    /// <param name="baseParameters">The centre of the population (the current parameters).</param>
    /// <param name="perturbations">P scaled perturbations back to back (<c>P · ParameterCount</c> floats).</param>
    /// <param name="inputs">The minibatch (batch x inputs).</param>
    /// <param name="labels">Its labels.</param>
    /// <param name="results">Receives member p's mean loss and accuracy at index p (length P).</param>
    /// <exception cref="DeviceMemoryExceededException">Not even one member and the minibatch fit the device.</exception>
    void EvaluatePopulation(NetworkParameters baseParameters, ReadOnlySpan<float> perturbations, ReadOnlySpan2D<float> inputs, ReadOnlySpan<byte> labels, Span<EvaluationResult> results);

    /// <summary>
    /// Evaluates a low-rank (EGGROLL) evolution-strategies population on one shared minibatch, with the first layer
    /// computed as <see cref="Networks.LowRankFirstLayer"/> computes it: the product with the centre's first weights
    /// plus each member's rank-r term, never the product with a materialised perturbed matrix.
    /// </summary>
    /// <remarks>
    /// Member p's first layer, with q = p / <paramref name="membersPerFactor"/>, S = x·W₁ (W₁ from
    /// <paramref name="centre"/>) and Pq = x·Aq (both GEMMs under the FMA-chain contract):
    /// <c>h[i, j] = D_out(D_in(acc) + D_in(b₁[j]))</c> where acc starts at S[i, j] and, for t = 0..r−1 in increasing
    /// order, becomes <c>fma(scales[p]·Pq[i, t], Bq[t, j], acc)</c> (the product scales[p]·Pq[i, t] rounded to float
    /// first). b₁ and every later layer are read from the member's own vector; its first weight matrix is ignored.
    /// The loss is then scored as <see cref="EvaluateBatch"/> scores it.
    /// </remarks>
    /// <param name="centre">The parameters whose first weight matrix every member shares.</param>
    /// <param name="members">P member vectors back to back (<c>P · ParameterCount</c> floats).</param>
    /// <param name="rank">r ≥ 1.</param>
    /// <param name="factorsA">The first layer's A factors, Q of them back to back (each inputs x r, row-major).</param>
    /// <param name="factorsB">The first layer's B factors, Q of them back to back (each r x width₁, row-major).</param>
    /// <param name="scales">P per-member scales of the rank-r term (sσ/√r for an antithetic member).</param>
    /// <param name="membersPerFactor">Consecutive members sharing one factor pair (2 for antithetic pairs); P = Q · this.</param>
    /// <param name="inputs">The minibatch (batch x inputs).</param>
    /// <param name="labels">Its labels.</param>
    /// <param name="results">Receives member p's mean loss and accuracy at index p (length P).</param>
    /// <exception cref="ArgumentException">A span does not match the shapes.</exception>
    /// <exception cref="DeviceMemoryExceededException">Not even one member and the minibatch fit the device.</exception>
    void EvaluateLowRankPopulation(
        NetworkParameters centre, ReadOnlySpan<float> members, int rank, ReadOnlySpan<float> factorsA, ReadOnlySpan<float> factorsB,
        ReadOnlySpan<float> scales, int membersPerFactor, ReadOnlySpan2D<float> inputs, ReadOnlySpan<byte> labels, Span<EvaluationResult> results);

    /// <summary>
    /// Evaluates antithetic low-rank pairs given only their noise: pair j's members 2j (+σ) and 2j+1 (−σ) are
    /// <see cref="Evolution.LowRankNoiseLayout.WriteMember"/> of θ and the pair's noise vector, and their first layer
    /// is computed as <see cref="EvaluateLowRankPopulation"/> computes it, with the pair's first-layer factors and
    /// scales ±σ/√r. The results have the same bits as building those members on the host and calling
    /// <see cref="EvaluateLowRankPopulation"/>; a device backend builds them where they are used, so only θ and
    /// the noise travel.
    /// </summary>
    /// <param name="centre">θ.</param>
    /// <param name="layout">Where each layer's factors and bias noise lie in a pair's noise vector.</param>
    /// <param name="pairNoise">The pairs' noise vectors back to back (pairs · <see cref="Evolution.LowRankNoiseLayout.Length"/> floats).</param>
    /// <param name="sigma">σ &gt; 0.</param>
    /// <param name="inputs">The minibatch (batch x inputs).</param>
    /// <param name="labels">Its labels.</param>
    /// <param name="results">Receives member m's mean loss and accuracy at index m (length 2 · pairs).</param>
    /// <exception cref="ArgumentException">A span does not match the layout or the layout not the centre.</exception>
    /// <exception cref="DeviceMemoryExceededException">Not even one pair and the minibatch fit the device.</exception>
    void EvaluateLowRankPairs(
        NetworkParameters centre, Evolution.LowRankNoiseLayout layout, ReadOnlySpan<float> pairNoise, float sigma,
        ReadOnlySpan2D<float> inputs, ReadOnlySpan<byte> labels, Span<EvaluationResult> results);
}
