using CpuLinear.Simd;

namespace CpuLinear.Kernels;

/// <summary>
/// <c>C = D_out(D_in(A·B) + bias)</c> with <c>D_t(v) = |v| &lt; t ? ±0 : v</c>: a flushed bias add, the way
/// flush-to-zero acts on a layer whose output is scaled into the subnormal range. <c>D_in</c> is
/// denormals-are-zero on the GEMM result entering the add, <c>D_out</c> flush-to-zero on the sum; a
/// threshold of 0 turns either off. Fusing it into the GEMM's store makes the activation free of extra
/// passes over memory.
/// </summary>
public readonly struct BiasDeadZoneEpilogue : IGemmEpilogue
{
    private readonly ReadOnlyMemory<float> _bias;
    private readonly float _inputThreshold;
    private readonly float _outputThreshold;

    /// <summary>Adds <paramref name="bias"/> then zeroes every element whose magnitude is below <paramref name="threshold"/>.</summary>
    public BiasDeadZoneEpilogue(ReadOnlyMemory<float> bias, float threshold)
        : this(bias, 0f, threshold)
    {
    }

    /// <summary>Flushes the product below <paramref name="inputThreshold"/>, adds <paramref name="bias"/>, flushes the sum below <paramref name="outputThreshold"/>.</summary>
    public BiasDeadZoneEpilogue(ReadOnlyMemory<float> bias, float inputThreshold, float outputThreshold)
    {
        _bias = bias;
        _inputThreshold = inputThreshold;
        _outputThreshold = outputThreshold;
    }

    /// <inheritdoc />
    public void Apply(Span<float> segment, int row, int column) =>
        DeadZone.AddBias(segment, _bias.Span.Slice(column, segment.Length), _inputThreshold, _outputThreshold, KernelRegistry.Selected);
}
