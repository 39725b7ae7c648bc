using System.Numerics.Tensors;
using CommunityToolkit.HighPerformance;
using CpuLinear.Kernels;
using CpuLinear.Numerics;

namespace CpuLinear.Networks;

/// <summary>
/// The float32 program exactly as written, op by op, under the chosen semantics: the reference every reported
/// accuracy is measured with.
/// </summary>
/// <remarks>
/// <code>
///   h1 = (x·W1 + b1) / s        hₗ = hₗ₋₁·Wₗ + bₗ / s        o = (h·W + b / s) · s
/// </code>
/// GEMMs run under IEEE rules for <see cref="FloatSemantics.Ieee"/> and <see cref="FloatSemantics.FtzElementwise"/>
/// (so subnormal products are computed, slowly: this is the cost the fused executor avoids) and under FTZ+DAZ
/// for <see cref="FloatSemantics.FtzEverywhere"/>. Bias adds and the scalings by 2^∓S flush under
/// FtzElementwise and FtzEverywhere: through the hardware (MXCSR/FPCR via the native shim) when it is
/// available, otherwise through <see cref="SoftwareFlush"/>, which gives the same bits for these operations.
/// Division by s is computed as multiplication by 2^-S: both round the same exact value.
/// The caller's float environment is restored on return, exceptions included.
/// </remarks>
public sealed class LiteralExecutor : IForwardExecutor
{
    private readonly EngineSettings _settings;
    private float[] _front = [], _back = [], _bias = [];

    /// <summary>Creates a literal executor for <paramref name="semantics"/>.</summary>
    /// <exception cref="NotSupportedException">FtzEverywhere without hardware float control: a GEMM cannot be flushed in software.</exception>
    public LiteralExecutor(FloatSemantics semantics, EngineSettings? settings = null)
    {
        if (semantics == FloatSemantics.FtzEverywhere && !FloatEnvironment.Supports(FloatMode.FlushToZeroAndDenormalsAreZero))
        {
            throw new NotSupportedException(
                $"The literal FtzEverywhere program needs hardware flush-to-zero for its GEMMs, and it is unavailable here: {FloatEnvironment.Description}");
        }

        Semantics = semantics;
        _settings = settings ?? EngineSettings.Default;
    }

    /// <inheritdoc />
    public FloatSemantics Semantics { get; }

    private bool FlushesElementwise => Semantics != FloatSemantics.Ieee;

    /// <inheritdoc />
    public void Forward(NetworkParameters parameters, ReadOnlySpan2D<float> inputs, Span2D<float> logits)
    {
        NetworkArchitecture net = parameters.Architecture;
        ForwardShapes.Validate(net, inputs, logits);
        int batch = inputs.Height;
        int widest = net.Widths.Skip(1).Max();
        Grow(ref _front, batch * widest);
        Grow(ref _back, batch * widest);
        Grow(ref _bias, widest);

        ReadOnlySpan2D<float> source = inputs;
        for (int layer = 0; layer < net.LayerCount; layer++)
        {
            int fanOut = net.Widths[layer + 1];
            Span<float> t = _front.AsSpan(0, batch * fanOut);
            var products = new Span2D<float>(_front, 0, batch, fanOut, 0);
            var weights = new ReadOnlySpan2D<float>(parameters.Values, net.WeightOffset(layer), net.Widths[layer], fanOut, 0);
            using (FloatEnvironment.Enter(Semantics == FloatSemantics.FtzEverywhere ? FloatMode.FlushToZeroAndDenormalsAreZero : FloatMode.Ieee))
            {
                Gemm.Multiply(source, weights, products, _settings);
            }

            Span<float> bias = _bias.AsSpan(0, fanOut);
            if (layer == 0)
            {
                AddBiasRows(t, parameters.Bias(layer), fanOut);          // x·W1 + b1
                Scale(t, -net.ScaleExponent, t);                           // ... / s
                if (net.LayerCount == 1)
                {
                    Scale(t, net.ScaleExponent, t);                        // a one-layer network is also the last: ... · s
                }
            }
            else
            {
                Scale(parameters.Bias(layer), -net.ScaleExponent, bias);   // b / s
                AddBiasRows(t, bias, fanOut);                              // h·W + b/s
                if (layer == net.LayerCount - 1)
                {
                    Scale(t, net.ScaleExponent, t);                        // ... · s
                }
            }

            source = products;
            (_front, _back) = (_back, _front);
        }

        new ReadOnlySpan2D<float>(_back, 0, batch, net.Outputs, 0).CopyTo(logits);
    }

    private void AddBiasRows(Span<float> matrix, ReadOnlySpan<float> bias, int columns) => AddBiasRows(Semantics, matrix, bias, columns);

    /// <summary>
    /// The literal program's bias add on every row of <paramref name="matrix"/> under <paramref name="semantics"/>:
    /// the hardware's FTZ/DAZ scope when it is available, else the software flush. Other literal programs (the
    /// linear RNN) use it so their element-wise steps are this one.
    /// </summary>
    internal static void AddBiasRows(FloatSemantics semantics, Span<float> matrix, ReadOnlySpan<float> bias, int columns)
    {
        bool flushes = semantics != FloatSemantics.Ieee;
        if (flushes && !FloatEnvironment.IsHardwareControlAvailable)
        {
            SoftwareFlush.AddBiasRows(matrix, columns, bias);
            return;
        }

        using var scope = FloatEnvironment.Enter(flushes ? FloatMode.FlushToZeroAndDenormalsAreZero : FloatMode.Ieee);
        for (int row = 0; row < matrix.Length; row += columns)
        {
            Span<float> values = matrix.Slice(row, columns);
            TensorPrimitives.Add(values, bias, values);
        }
    }

    private void Scale(ReadOnlySpan<float> values, int exponent, Span<float> destination)
    {
        if (FlushesElementwise && !FloatEnvironment.IsHardwareControlAvailable)
        {
            SoftwareFlush.ScaleByPowerOfTwo(values, exponent, destination);
            return;
        }

        using var scope = FloatEnvironment.Enter(ElementwiseMode);
        TensorPrimitives.Multiply(values, MathF.ScaleB(1f, exponent), destination);
    }

    private FloatMode ElementwiseMode => FlushesElementwise ? FloatMode.FlushToZeroAndDenormalsAreZero : FloatMode.Ieee;

    private static void Grow(ref float[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = GC.AllocateUninitializedArray<float>(length);
        }
    }
}
