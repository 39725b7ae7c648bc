using CommunityToolkit.HighPerformance;
using CpuLinear.Kernels;
using CpuLinear.Networks;
using CpuLinear.Simd;

namespace CpuLinear.Populations;

/// <summary>
/// Evaluates the second layer of ES members that perturb only the layers after the first
/// (<see cref="Evolution.LaterLayerNoise"/>), from θ's first-layer activations H₁ and second-layer product H₁·W₂,
/// both computed once per generation.
/// </summary>
/// <remarks>
/// <para>
/// A member's first layer is θ's, so its second-layer pre-activation is
/// </para>
/// <code>
///   H₁·W₂ (shared)  +  c·(H₁·A₂)·B₂      c = sσ/√r, H₁·A₂ for every pair one GEMM of the population
/// </code>
/// <para>
/// then the member's bias and the dead zones (<see cref="WeightedRowSum"/> with no selected rows): rows·r·next
/// multiply-adds instead of rows·width·next. Its later layers run as a low-rank member's do.
/// </para>
/// <para>
/// Bits: each output element is one fixed chain (the shared product, then t increasing), computed by one thread,
/// so they depend neither on the thread count nor on the vector width. They differ from evaluating the written-out
/// member H₁·(W₂ + c·A₂·B₂) by rounding only (equal where nothing rounds, which a test checks), so a device that runs
/// this kind computes the same chains (the ILGPU backend's device session does; its population evaluator does not).
/// </para>
/// </remarks>
internal sealed class LaterLayerMembers
{
    private readonly NetworkArchitecture _net;
    private readonly int _rank, _width, _next;
    private float[] _firstActivation = [], _secondProduct = [], _firstBias = [];

    /// <summary>Members of <paramref name="net"/> (at least two layers) at rank <paramref name="rank"/>.</summary>
    public LaterLayerMembers(NetworkArchitecture net, int rank)
    {
        if (net.LayerCount < 2)
        {
            throw new ArgumentException($"Perturbing only the layers after the first needs at least two layers; the network has {net.LayerCount}.", nameof(net));
        }

        _net = net;
        _rank = rank;
        _width = net.Widths[1];
        _next = net.Widths[2];
    }

    /// <summary>Whether this serves members of <paramref name="net"/> at <paramref name="rank"/>.</summary>
    public bool Matches(NetworkArchitecture net, int rank) => ReferenceEquals(net, _net) && rank == _rank;

    /// <summary>θ's shared work for the generation, with every core: H₁ = D_out(D_in(x·W₁) + D_in(b₁)) and H₁·W₂.</summary>
    public void Prepare(NetworkParameters theta, ReadOnlySpan2D<float> inputs, EngineSettings engine)
    {
        int rows = inputs.Height;
        Grow(rows);
        FusedExecutor.Layer(theta, 0, inputs, new Span2D<float>(_firstActivation, 0, rows, _width, 0), _firstBias, Span2D<float>.Empty, engine);
        Gemm.Multiply(
            FirstActivation(rows), new ReadOnlySpan2D<float>(theta.Values, _net.WeightOffset(1), _width, _next, 0),
            new Span2D<float>(_secondProduct, 0, rows, _next, 0), engine);
    }

    /// <summary>
    /// Takes θ's H₁ and H₁·W₂ from a unit-subset population prepared on the same θ and minibatch (the same bits as
    /// <see cref="Prepare"/>: the same layer and the same GEMM), instead of computing them again.
    /// </summary>
    public void PrepareFrom(UnitSubsetMembers prepared, int rows)
    {
        Grow(rows);
        prepared.FirstActivation(rows).CopyTo(_firstActivation.AsSpan(0, rows * _width));
        prepared.SecondProduct(rows).CopyTo(_secondProduct.AsSpan(0, rows * _next));
    }

    /// <summary>θ's first-layer activations H₁ (rows x width) from the last preparation.</summary>
    public ReadOnlySpan2D<float> FirstActivation(int rows) => new(_firstActivation, 0, rows, _width, 0);

    /// <summary>
    /// Rows x next of one member's second-layer output: <c>D_out(D_in(H₁·W₂ + c·u·B₂) + D_in(b₂'))</c>, u = H₁·A₂.
    /// </summary>
    /// <param name="theta">θ (its W₂ is named to the kernel; no row of it is read).</param>
    /// <param name="member">The member's values; only its second-layer bias is read (already perturbed).</param>
    /// <param name="activationProjection">H₁·A₂ (rows x rank) for the pair.</param>
    /// <param name="secondB">The pair's B₂ (rank x next).</param>
    /// <param name="factorScale">c = sσ/√r.</param>
    /// <param name="scratch">The calling thread's buffers: the flushed bias (next) and c·u (rows x rank).</param>
    /// <param name="destination">Receives the second layer's output (rows x next, contiguous).</param>
    /// <param name="path">Kernel path.</param>
    /// <param name="following">The layer after it, computed on each block of rows while they are hot (or none).</param>
    public void SecondLayer(
        NetworkParameters theta, NetworkParameters member, ReadOnlySpan<float> activationProjection, ReadOnlySpan<float> secondB,
        float factorScale, MemberScratch scratch, Span2D<float> destination, KernelPath path, FollowingLayer following = default)
    {
        int rows = destination.Height, r = _rank;
        (float inner, float outer) = FusedExecutor.Thresholds(_net, 1);
        Span<float> bias = scratch.SecondBias.AsSpan(0, _next);
        member.Bias(1).CopyTo(bias);
        DeadZone.Apply(bias, inner, path);

        // c·(H₁·A₂), rounded once as a written-out member rounds c·A₂ (exactly, where nothing rounds).
        scratch.Ensure(rows);
        Span<float> updates = scratch.Update.AsSpan(0, rows * r);
        for (int i = 0; i < updates.Length; i++)
        {
            updates[i] = factorScale * activationProjection[i];
        }

        if (!destination.TryGetSpan(out Span<float> output))
        {
            throw new ArgumentException("The second layer's output must be contiguous rows.", nameof(destination));
        }

        WeightedRowSum.Compute(
            _next, _secondProduct.AsSpan(0, rows * _next), theta.Weights(1), [], [], secondB, updates, bias, inner, outer, output, path, following);
    }

    private void Grow(int rows)
    {
        Grow(ref _firstActivation, rows * _width);
        Grow(ref _secondProduct, rows * _next);
        Grow(ref _firstBias, _width);
    }

    private static void Grow(ref float[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = GC.AllocateUninitializedArray<float>(length);
        }
    }

    /// <summary>One thread's buffers for <see cref="SecondLayer"/>.</summary>
    public sealed class MemberScratch(NetworkArchitecture net, int rank)
    {
        private readonly int _rank = rank;
        private float[] _update = [];

        /// <summary>The member's flushed second-layer bias.</summary>
        public float[] SecondBias { get; } = new float[net.Widths[2]];

        /// <summary>c·u per row, rows x rank.</summary>
        public float[] Update => _update;

        /// <summary>Grows <see cref="Update"/> to <paramref name="rows"/> rows.</summary>
        public void Ensure(int rows)
        {
            if (_update.Length < rows * _rank)
            {
                _update = new float[rows * _rank];
            }
        }
    }
}
