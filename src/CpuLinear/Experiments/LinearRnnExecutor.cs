using System.Numerics.Tensors;
using CommunityToolkit.HighPerformance;
using CpuLinear.Kernels;
using CpuLinear.Networks;
using CpuLinear.Numerics;

namespace CpuLinear.Experiments;

/// <summary>
/// The float32 program of a <see cref="LinearRnnArchitecture"/> exactly as written, op by op, under one of the
/// project's three semantics, with the element-wise flushes of <see cref="LiteralExecutor"/>.
/// </summary>
/// <remarks>
/// <code>
///   d = (x·U + b) / s            all steps at once: a GEMM with k = 1, a bias add, a scaling by 2^-S
///   h₀ = 0,   hₜ₊₁ = hₜ·W + dₜ   one GEMM and one element-wise add per step
///   o = (h_T·V + c / s) · s     a GEMM, a scaling of c, a bias add, a scaling by 2^S
/// </code>
/// In scaled units (h' = s·h) <see cref="FloatSemantics.FtzElementwise"/> is therefore
/// <c>h'ₜ₊₁ = D(D(h'ₜ·W) + D(xₜ·U + b))</c> with the dead zone D(v) = |v| &lt; 2^(S−126) ? 0 : v, the network's layer
/// (docs/science.md §5); <see cref="FloatSemantics.Ieee"/> is the linear recurrence up to rounding, and
/// <see cref="FloatSemantics.FtzEverywhere"/> also flushes inside every GEMM's fused multiply-add chain.
/// GEMMs run under IEEE rules except for FtzEverywhere (FTZ+DAZ); element-wise operations flush under both FTZ
/// semantics, through the hardware when the native shim is present (a <see cref="FloatEnvironment"/> scope around
/// each operation, which restores the caller's register) and otherwise through <see cref="SoftwareFlush"/>, which
/// gives the same bits. The bits do not depend on the thread count or kernel path (the GEMM contract).
/// One executor per thread: it keeps scratch buffers.
/// </remarks>
public sealed class LinearRnnExecutor
{
    private readonly EngineSettings _settings;
    private float[] _inputs = [], _drive = [], _state = [], _products = [], _logits = [], _readoutBias = [];

    /// <summary>Creates an executor for <paramref name="semantics"/>.</summary>
    /// <exception cref="NotSupportedException">FtzEverywhere without hardware float control: a GEMM cannot be flushed in software.</exception>
    public LinearRnnExecutor(FloatSemantics semantics, EngineSettings? settings = null)
    {
        if (semantics == FloatSemantics.FtzEverywhere && !FloatEnvironment.Supports(FloatMode.FlushToZeroAndDenormalsAreZero))
        {
            throw new NotSupportedException(
                $"The FtzEverywhere recurrent program needs hardware flush-to-zero for its GEMMs, and it is unavailable here: {FloatEnvironment.Description}");
        }

        if (!Enum.IsDefined(semantics))
        {
            throw new ArgumentOutOfRangeException(nameof(semantics), semantics, "Unknown float semantics.");
        }

        Semantics = semantics;
        _settings = settings ?? EngineSettings.Default;
    }

    /// <summary>The float rules this executor computes under.</summary>
    public FloatSemantics Semantics { get; }

    private bool FlushesElementwise => Semantics != FloatSemantics.Ieee;

    private FloatMode GemmMode => Semantics == FloatSemantics.FtzEverywhere ? FloatMode.FlushToZeroAndDenormalsAreZero : FloatMode.Ieee;

    private FloatMode ElementwiseMode => FlushesElementwise ? FloatMode.FlushToZeroAndDenormalsAreZero : FloatMode.Ieee;

    /// <summary>
    /// Writes the logits of <paramref name="sequences"/> (batch x length: row r is one sequence, xₜ in column t) into
    /// <paramref name="logits"/> (batch x classes).
    /// </summary>
    /// <exception cref="ArgumentException">The shapes do not agree, or a sequence is empty.</exception>
    public void Forward(LinearRnnWeights weights, ReadOnlySpan2D<float> sequences, Span2D<float> logits)
    {
        ArgumentNullException.ThrowIfNull(weights);
        LinearRnnArchitecture net = weights.Architecture;
        int batch = sequences.Height, length = sequences.Width, n = net.StateSize, classes = net.Classes;
        if (length < 1 || logits.Height != batch || logits.Width != classes)
        {
            throw new ArgumentException(
                $"Expected sequences of length ≥ 1 and logits of {batch} x {classes}; got sequences {batch} x {length} and logits {logits.Height} x {logits.Width}.");
        }

        if (batch == 0)
        {
            return;
        }

        Grow(ref _inputs, length * batch);
        Grow(ref _drive, length * batch * n);
        Grow(ref _state, batch * n);
        Grow(ref _products, batch * n);
        Grow(ref _logits, batch * classes);
        Grow(ref _readoutBias, classes);

        // Step-major inputs (row t·batch + r holds xₜ of sequence r), so one GEMM makes every step's drive.
        for (int t = 0; t < length; t++)
        {
            for (int r = 0; r < batch; r++)
            {
                _inputs[(t * batch) + r] = sequences[r, t];
            }
        }

        Span<float> drive = _drive.AsSpan(0, length * batch * n);
        Multiply(new ReadOnlySpan2D<float>(_inputs, 0, length * batch, 1, 0), new ReadOnlySpan2D<float>(weights.Input, 0, 1, n, 0), new Span2D<float>(_drive, 0, length * batch, n, 0));
        AddBiasRows(drive, weights.Bias, n);                          // x·U + b
        Scale(drive, -net.ScaleExponent, drive);                      // ... / s

        Span<float> state = _state.AsSpan(0, batch * n);
        state.Clear();
        var stateMatrix = new ReadOnlySpan2D<float>(weights.State, 0, n, n, 0);
        for (int t = 0; t < length; t++)
        {
            Multiply(new ReadOnlySpan2D<float>(_state, 0, batch, n, 0), stateMatrix, new Span2D<float>(_products, 0, batch, n, 0));
            Add(_products.AsSpan(0, batch * n), drive.Slice(t * batch * n, batch * n), state);   // hₜ·W + dₜ
        }

        Span<float> output = _logits.AsSpan(0, batch * classes);
        Multiply(new ReadOnlySpan2D<float>(_state, 0, batch, n, 0), new ReadOnlySpan2D<float>(weights.Readout, 0, n, classes, 0), new Span2D<float>(_logits, 0, batch, classes, 0));
        Span<float> readoutBias = _readoutBias.AsSpan(0, classes);
        Scale(weights.ReadoutBias, -net.ScaleExponent, readoutBias);  // c / s
        AddBiasRows(output, readoutBias, classes);                    // h·V + c/s
        Scale(output, net.ScaleExponent, output);                     // ... · s
        new ReadOnlySpan2D<float>(_logits, 0, batch, classes, 0).CopyTo(logits);
    }

    private void Multiply(ReadOnlySpan2D<float> a, ReadOnlySpan2D<float> b, Span2D<float> c)
    {
        using var scope = FloatEnvironment.Enter(GemmMode);
        Gemm.Multiply(a, b, c, _settings);
    }

    private void AddBiasRows(Span<float> matrix, ReadOnlySpan<float> bias, int columns) => LiteralExecutor.AddBiasRows(Semantics, matrix, bias, columns);

    private void Add(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination)
    {
        if (FlushesElementwise && !FloatEnvironment.IsHardwareControlAvailable)
        {
            SoftwareFlush.Add(x, y, destination);
            return;
        }

        using var scope = FloatEnvironment.Enter(ElementwiseMode);
        TensorPrimitives.Add(x, y, destination);
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

    private static void Grow(ref float[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = GC.AllocateUninitializedArray<float>(length);
        }
    }
}
