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

        float threshold = net.DeadZoneThreshold;
        ReadOnlySpan2D<float> source = inputs;
        for (int layer = 0; layer < net.LayerCount; layer++)
        {
            int fanOut = net.Widths[layer + 1];
            bool first = layer == 0, last = layer == net.LayerCount - 1;

            // The first layer works in real units (DAZ at 2^-126 on x·W1 and b1); later ones in scaled units,
            // where b/s flushes exactly when |b| < T.
            float inputThreshold = first ? SmallestNormal : threshold;
            Span<float> bias = _bias.AsSpan(0, fanOut);
            parameters.Bias(layer).CopyTo(bias);
            DeadZone.Apply(bias, inputThreshold, _settings.ResolvedPath);

            Span2D<float> destination = last ? logits : new Span2D<float>(_front, 0, batch, fanOut, 0);
            ReadOnlySpan2D<float> weights = new(parameters.Values, net.WeightOffset(layer), net.Widths[layer], fanOut, 0);
            Gemm.Multiply(source, weights, destination, new BiasDeadZoneEpilogue(_bias.AsMemory(0, fanOut), inputThreshold, threshold), _settings);

            source = destination;
            (_front, _back) = (_back, _front);
        }
    }

    private static void Grow(ref float[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = GC.AllocateUninitializedArray<float>(length);
        }
    }
}
