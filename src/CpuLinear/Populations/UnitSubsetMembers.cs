using CommunityToolkit.HighPerformance;
using CpuLinear.Kernels;
using CpuLinear.Networks;
using CpuLinear.Simd;

namespace CpuLinear.Populations;

/// <summary>
/// Evaluates an ES population whose members perturb only k of the first layer's hidden units (plus rank-r
/// terms on every later layer), reusing θ's first-layer activations and second-layer product for the rest.
/// </summary>
/// <remarks>
/// <para>
/// Why: with a perturbation on every first-layer unit, each member's hidden activations differ everywhere and
/// its second-layer GEMM (rows x 512 x 512, ~95% of a member's work on the blog's network) cannot be shared.
/// If pair j perturbs W₁ by σ·A·Bᵀ with B nonzero on k units only, the member's first-layer output differs from
/// θ's, H₁, in those k columns (Δ, rows x k), and its second-layer pre-activation is
/// </para>
/// <code>
///   H₁·W₂ (shared, once per generation)  +  Δ·W₂[mask rows, :]  +  c·(h₁·A₂)·B₂      h₁·A₂ = H₁·A₂ + Δ·A₂[mask, :]
/// </code>
/// <para>
/// which costs rows·k·512 instead of rows·512·512. B's mask entries are scaled by √(width/k), so the noise has
/// the same covariance as a dense one and each pair's fitness difference measures a directional derivative of
/// the same expected size: per pair, the same information at a fraction of the cost.
/// </para>
/// <para>
/// Bits: each output element is one fixed chain (shared product, then mask units in increasing unit order,
/// then the rank-r terms in increasing t), computed by one thread, so they do not depend on the thread count
/// or vector width. They differ from evaluating the materialised member W + σ·A·B by rounding, which is why a device
/// that runs this mode computes the same chains (the ILGPU backend's device session does; its population evaluator
/// does not).
/// </para>
/// </remarks>
internal sealed class UnitSubsetMembers
{
    private readonly NetworkArchitecture _net;
    private readonly int _rank, _units, _width, _next;
    private float[] _firstProduct = [], _firstActivation = [], _secondProduct = [], _firstBias = [];

    /// <summary>Members perturb <paramref name="units"/> first-layer units; the network needs at least two layers.</summary>
    public UnitSubsetMembers(NetworkArchitecture net, int rank, int units)
    {
        if (net.LayerCount < 2)
        {
            throw new ArgumentException($"Perturbing a subset of first-layer units needs at least two layers; the network has {net.LayerCount}.", nameof(net));
        }

        _net = net;
        _rank = rank;
        _width = net.Widths[1];
        _next = net.Widths[2];
        _units = Math.Clamp(units, 1, _width);
    }

    /// <summary>Units each pair perturbs.</summary>
    public int Units => _units;

    /// <summary>Whether this serves members of <paramref name="net"/> at <paramref name="rank"/> with <paramref name="units"/> units.</summary>
    public bool Matches(NetworkArchitecture net, int rank, int units) =>
        ReferenceEquals(net, _net) && rank == _rank && Math.Clamp(units, 1, _width) == _units;

    /// <summary>
    /// θ's shared work for the generation, with every core: x·W₁ (raw), H₁ = D_out(D_in(x·W₁) + D_in(b₁)) and H₁·W₂.
    /// </summary>
    public void Prepare(NetworkParameters theta, ReadOnlySpan2D<float> inputs, EngineSettings engine)
    {
        int rows = inputs.Height;
        Grow(ref _firstProduct, rows * _width);
        Grow(ref _firstActivation, rows * _width);
        Grow(ref _secondProduct, rows * _next);
        Grow(ref _firstBias, _width);
        // The fused executor's own first layer, keeping the raw product x·W₁ that members add their terms to.
        FusedExecutor.Layer(
            theta, 0, inputs, new Span2D<float>(_firstActivation, 0, rows, _width, 0), _firstBias,
            new Span2D<float>(_firstProduct, 0, rows, _width, 0), engine);

        var secondWeights = new ReadOnlySpan2D<float>(theta.Values, _net.WeightOffset(1), _width, _next, 0);
        Gemm.Multiply(
            new ReadOnlySpan2D<float>(_firstActivation, 0, rows, _width, 0), secondWeights,
            new Span2D<float>(_secondProduct, 0, rows, _next, 0), engine);
    }

    /// <summary>θ's first-layer activations H₁ (rows x width) from the last <see cref="Prepare"/>.</summary>
    public ReadOnlySpan2D<float> FirstActivation(int rows) => new(_firstActivation, 0, rows, _width, 0);

    /// <summary>θ's second-layer product H₁·W₂ (rows x next, before bias and dead zones) from the last <see cref="Prepare"/>.</summary>
    public ReadOnlySpan<float> SecondProduct(int rows) => _secondProduct.AsSpan(0, rows * _next);

    /// <summary>
    /// Rows x next of the second layer's output for one member: <c>D_out(D_in(H₁·W₂ + Δ·W₂[units] + c·u·B₂) + D_in(b₂'))</c>.
    /// </summary>
    /// <param name="theta">θ (its unperturbed W₂ rows are read for the mask units).</param>
    /// <param name="member">The member's values; only its biases are read (already perturbed).</param>
    /// <param name="units">The pair's units, increasing.</param>
    /// <param name="inputProjection">x·A₁ (rows x rank) for the pair.</param>
    /// <param name="activationProjection">H₁·A₂ (rows x rank) for the pair.</param>
    /// <param name="firstB">The pair's masked B₁ (rank x width).</param>
    /// <param name="secondA">The pair's A₂ (width x rank).</param>
    /// <param name="secondB">The pair's B₂ (rank x next).</param>
    /// <param name="factorScale">sσ/√r.</param>
    /// <param name="scratch">The calling thread's buffers.</param>
    /// <param name="destination">Receives the second layer's output (rows x next).</param>
    /// <param name="path">Kernel path of the element-wise dead zones.</param>
    /// <param name="following">The layer after it, computed on each block of rows while they are hot (or none).</param>
    public void SecondLayer(
        NetworkParameters theta, NetworkParameters member, ReadOnlySpan<int> units,
        ReadOnlySpan<float> inputProjection, ReadOnlySpan<float> activationProjection,
        ReadOnlySpan<float> firstB, ReadOnlySpan<float> secondA, ReadOnlySpan<float> secondB, float factorScale,
        MemberScratch scratch, Span2D<float> destination, KernelPath path, FollowingLayer following = default)
    {
        int rows = destination.Height, k = _units, r = _rank;
        (float inner0, float outer0) = FusedExecutor.Thresholds(_net, 0);
        (float inner1, float outer1) = FusedExecutor.Thresholds(_net, 1);

        // The member's flushed biases: its first-layer bias on the units, its whole second-layer bias.
        Span<float> unitBias = scratch.UnitBias.AsSpan(0, k);
        ReadOnlySpan<float> firstBias = member.Bias(0);
        for (int u = 0; u < k; u++)
        {
            unitBias[u] = firstBias[units[u]];
        }

        DeadZone.Apply(unitBias, inner0, path);
        Span<float> secondBias = scratch.SecondBias.AsSpan(0, _next);
        member.Bias(1).CopyTo(secondBias);
        DeadZone.Apply(secondBias, inner1, path);

        // Per row: the units' first-layer outputs exactly as the dense member computes them (FirstLayerLowRank),
        // their change Δ from θ's, and u = h₁·A₂ = H₁·A₂ + Δ·A₂[units] (units in increasing order).
        scratch.Ensure(rows, k);
        Span<float> deltas = scratch.Delta.AsSpan(0, rows * k);
        Span<float> updates = scratch.Update.AsSpan(0, rows * r);
        Span<float> pre = scratch.Units.AsSpan(0, k);
        for (int n = 0; n < rows; n++)
        {
            ReadOnlySpan<float> product = _firstProduct.AsSpan(n * _width, _width);
            ReadOnlySpan<float> activation = _firstActivation.AsSpan(n * _width, _width);
            for (int u = 0; u < k; u++)
            {
                float v = product[units[u]];
                for (int t = 0; t < r; t++)
                {
                    v = MathF.FusedMultiplyAdd(firstB[(t * _width) + units[u]], factorScale * inputProjection[(n * r) + t], v);
                }

                pre[u] = v;
            }

            DeadZone.AddBias(pre, unitBias, inner0, outer0, path);
            Span<float> delta = deltas.Slice(n * k, k);
            for (int u = 0; u < k; u++)
            {
                delta[u] = pre[u] - activation[units[u]];
            }
        }

        Project(deltas, activationProjection, units, secondA, factorScale, rows, updates);

        if (!destination.TryGetSpan(out Span<float> output))
        {
            throw new ArgumentException("The second layer's output must be contiguous rows.", nameof(destination));
        }

        WeightedRowSum.Compute(
            _next, _secondProduct.AsSpan(0, rows * _next), theta.Weights(1), units, deltas, secondB, updates, secondBias,
            inner1, outer1, output, path, following);
    }

    // u = factorScale · (H₁·A₂ + Δ·A₂[units]) per row and t: each a chain over the units in increasing order. One
    // chain is a run of dependent FMAs (k of them, FMA latency each), so four rows' chains are interleaved.
    private void Project(
        ReadOnlySpan<float> deltas, ReadOnlySpan<float> activationProjection, ReadOnlySpan<int> units, ReadOnlySpan<float> secondA,
        float factorScale, int rows, Span<float> updates)
    {
        int k = _units, r = _rank, n = 0;
        for (; n + 4 <= rows; n += 4)
        {
            ReadOnlySpan<float> d0 = deltas.Slice(n * k, k), d1 = deltas.Slice((n + 1) * k, k);
            ReadOnlySpan<float> d2 = deltas.Slice((n + 2) * k, k), d3 = deltas.Slice((n + 3) * k, k);
            for (int t = 0; t < r; t++)
            {
                float v0 = activationProjection[(n * r) + t], v1 = activationProjection[((n + 1) * r) + t];
                float v2 = activationProjection[((n + 2) * r) + t], v3 = activationProjection[((n + 3) * r) + t];
                for (int u = 0; u < k; u++)
                {
                    float a = secondA[(units[u] * r) + t];
                    v0 = MathF.FusedMultiplyAdd(d0[u], a, v0);
                    v1 = MathF.FusedMultiplyAdd(d1[u], a, v1);
                    v2 = MathF.FusedMultiplyAdd(d2[u], a, v2);
                    v3 = MathF.FusedMultiplyAdd(d3[u], a, v3);
                }

                updates[(n * r) + t] = factorScale * v0;
                updates[((n + 1) * r) + t] = factorScale * v1;
                updates[((n + 2) * r) + t] = factorScale * v2;
                updates[((n + 3) * r) + t] = factorScale * v3;
            }
        }

        for (; n < rows; n++)
        {
            ReadOnlySpan<float> delta = deltas.Slice(n * k, k);
            for (int t = 0; t < r; t++)
            {
                float v = activationProjection[(n * r) + t];
                for (int u = 0; u < k; u++)
                {
                    v = MathF.FusedMultiplyAdd(delta[u], secondA[(units[u] * r) + t], v);
                }

                updates[(n * r) + t] = factorScale * v;
            }
        }
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
        private float[] _delta = [], _update = [];

        public readonly float[] UnitBias = new float[net.Widths[1]];
        public readonly float[] SecondBias = new float[net.Widths[2]];
        public readonly float[] Units = new float[net.Widths[1]];

        /// <summary>Δ, rows x units.</summary>
        public float[] Delta => _delta;

        /// <summary>The rank-r weights of B₂ per row, rows x rank.</summary>
        public float[] Update => _update;

        /// <summary>Grows <see cref="Delta"/> and <see cref="Update"/> to <paramref name="rows"/> rows.</summary>
        public void Ensure(int rows, int units)
        {
            Grow(ref _delta, rows * units);
            Grow(ref _update, rows * _rank);
        }
    }
}
