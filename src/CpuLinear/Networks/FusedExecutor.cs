using CommunityToolkit.HighPerformance;
using CpuLinear.Kernels;

namespace CpuLinear.Networks;

/// <summary>
/// <see cref="FloatSemantics.FtzElementwise"/> at full GEMM speed: the network is computed in units scaled
/// by s = 2^S, where every flush becomes a dead zone <c>D(v) = |v| &lt; T ? 0 : v</c> (T = 2^(S−126)) fused
/// into the GEMM's store, and no subnormal is ever produced.
/// </summary>
/// <remarks>
/// In scaled units, with D₁ the flush at 2^-126 (DAZ on real-unit values) and D the flush at T:
/// <code>
///   h1 = D(D₁(x·W1) + D₁(b1))              (x·W1 + b1)/s, then flush
///   hₗ = D(D(hₗ₋₁·Wₗ) + D(bₗ))             DAZ on the product, FTZ on b/s, FTZ on the sum
///   o  = D(D(h·W) + D(b))                  the final ·s is exact: o is the literal logit
/// </code>
/// This equals the literal program bit for bit except where a GEMM's partial sums are subnormal in real units:
/// there the literal program rounds to the 2^-149 grid, this one keeps 24 significant bits.
/// </remarks>
public sealed class FusedExecutor(EngineSettings? settings = null) : IForwardExecutor
{
    private const float SmallestNormal = 1.17549435E-38f;

    private readonly EngineSettings _settings = settings ?? EngineSettings.Default;
    private float[] _front = [], _back = [], _bias = [];

    /// <inheritdoc />
    public FloatSemantics Semantics => FloatSemantics.FtzElementwise;

    /// <inheritdoc />
    public void Forward(NetworkParameters parameters, ReadOnlySpan2D<float> inputs, Span2D<float> logits)
    {
        NetworkArchitecture net = parameters.Architecture;
        ForwardShapes.Validate(net, inputs, logits);
        int batch = inputs.Height;
        int widest = net.Widths.Skip(1).SkipLast(1).DefaultIfEmpty(0).Max();
        Grow(ref _front, batch * widest);
        Grow(ref _back, batch * widest);
        Grow(ref _bias, net.Widths.Skip(1).Max());

        ReadOnlySpan2D<float> source = inputs;
        for (int layer = 0; layer < net.LayerCount; layer++)
        {
            int fanOut = net.Widths[layer + 1];
            bool last = layer == net.LayerCount - 1;
            Span2D<float> destination = last ? logits : new Span2D<float>(_front, 0, batch, fanOut, 0);
            Layer(parameters, layer, source, destination, _bias.AsMemory(0, fanOut), Span2D<float>.Empty, _settings);
            source = destination;
            (_front, _back) = (_back, _front);
        }
    }

    /// <summary>
    /// The two dead-zone thresholds of <paramref name="layer"/> in scaled units: the inner one (DAZ on the
    /// product and FTZ on the bias, where they enter the add) and the outer one (FTZ on the sum).
    /// </summary>
    /// <remarks>
    /// The first layer's product and bias live in real units (the /s comes after the add), so their flush is
    /// at 2^-126; every later product h·W and b/s is already in the scaled range, where the flush is at T.
    /// </remarks>
    internal static (float Inner, float Outer) Thresholds(NetworkArchitecture net, int layer) =>
        (layer == 0 ? SmallestNormal : net.DeadZoneThreshold, net.DeadZoneThreshold);

    /// <summary>
    /// One layer, <c>destination = D_out(D_in(source·W) + D_in(b))</c>: the single definition of the dead-zone
    /// layer, shared by this executor and the backprop trainer so both compute the same bits.
    /// </summary>
    /// <param name="parameters">The network.</param>
    /// <param name="layer">Which layer.</param>
    /// <param name="source">The layer's input rows (scaled units; raw pixels for the first layer).</param>
    /// <param name="destination">The layer's output rows.</param>
    /// <param name="flushedBias">Receives <c>D_in(b)</c> (fan-out values); the trainer reads it for the bias mask.</param>
    /// <param name="product">
    /// Empty to fuse the dead zones into the GEMM's store; otherwise it receives the raw product <c>source·W</c>
    /// (the pre-activation a trainer differentiates through) and the dead zones run as a second pass. Both
    /// routes give the same bits: the product is the same FMA chain and the element-wise step is the same
    /// <see cref="DeadZone.AddBias"/>.
    /// </param>
    /// <param name="settings">Threads and kernel path.</param>
    internal static void Layer(
        NetworkParameters parameters, int layer, ReadOnlySpan2D<float> source, Span2D<float> destination,
        Memory<float> flushedBias, Span2D<float> product, EngineSettings settings)
    {
        BiasDeadZoneEpilogue epilogue = Prepare(parameters, parameters, layer, flushedBias, settings, out ReadOnlySpan2D<float> weights);
        if (product.IsEmpty)
        {
            Gemm.Multiply(source, weights, destination, epilogue, settings);
            return;
        }

        // The same store step the fused GEMM applies, run as a second pass over the kept product.
        Gemm.Multiply(source, weights, product, settings);
        for (int row = 0; row < destination.Height; row++)
        {
            Span<float> output = destination.GetRowSpan(row);
            product.GetRowSpan(row).CopyTo(output);
            epilogue.Apply(output, row, 0);
        }
    }

    /// <summary>
    /// One layer with the fused dead zones, like <see cref="Layer"/>, whose weights are <paramref name="centre"/>'s
    /// plus a rank-r update U·V applied while they are packed (<see cref="Gemm.MultiplyLowRankUpdated{TEpilogue}"/>):
    /// the same bits as <see cref="Layer"/> on a copy of the weights with the update added by fused multiply-adds.
    /// </summary>
    /// <param name="biases">Where the layer's bias comes from (an ES member's own vector).</param>
    /// <param name="centre">Where the layer's weights come from, before the update.</param>
    /// <param name="layer">Which layer.</param>
    /// <param name="source">The layer's input rows.</param>
    /// <param name="destination">The layer's output rows.</param>
    /// <param name="flushedBias">Scratch for <c>D_in(b)</c> (at least fan-out values).</param>
    /// <param name="coefficients">U, fan-in x r.</param>
    /// <param name="rows">V, r x fan-out.</param>
    /// <param name="rank">r.</param>
    /// <param name="settings">Threads and kernel path.</param>
    internal static void LayerLowRankUpdated(
        NetworkParameters biases, NetworkParameters centre, int layer, ReadOnlySpan2D<float> source, Span2D<float> destination,
        Memory<float> flushedBias, ReadOnlySpan<float> coefficients, ReadOnlySpan<float> rows, int rank, EngineSettings settings)
    {
        BiasDeadZoneEpilogue epilogue = Prepare(biases, centre, layer, flushedBias, settings, out ReadOnlySpan2D<float> weights);
        Gemm.MultiplyLowRankUpdated(source, weights, coefficients, rows, rank, destination, epilogue, settings);
    }

    // The layer's weight matrix and its store step: flushedBias receives D_in(b) from `biases`.
    private static BiasDeadZoneEpilogue Prepare(
        NetworkParameters biases, NetworkParameters weightsFrom, int layer, Memory<float> flushedBias, EngineSettings settings, out ReadOnlySpan2D<float> weights)
    {
        NetworkArchitecture net = weightsFrom.Architecture;
        int fanOut = net.Widths[layer + 1];
        (float inner, float outer) = Thresholds(net, layer);
        Span<float> bias = flushedBias.Span[..fanOut];
        biases.Bias(layer).CopyTo(bias);
        DeadZone.Apply(bias, inner, settings.ResolvedPath);
        weights = new ReadOnlySpan2D<float>(weightsFrom.Values, net.WeightOffset(layer), net.Widths[layer], fanOut, 0);
        return new BiasDeadZoneEpilogue(flushedBias[..fanOut], inner, outer);
    }

    private static void Grow(ref float[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = GC.AllocateUninitializedArray<float>(length);
        }
    }
}
