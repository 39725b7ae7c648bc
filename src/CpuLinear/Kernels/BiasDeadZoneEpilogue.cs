using System.Numerics.Tensors;

namespace CpuLinear.Kernels;

/// <summary>
/// <c>C = D(A·B + bias)</c> where <c>D(v) = |v| &lt; threshold ? ±0 : v</c>: the dead-zone activation that
/// flush-to-zero becomes once a layer's output is scaled into the subnormal range. Fusing it here means the
/// activation costs no extra pass over memory.
/// </summary>
public readonly struct BiasDeadZoneEpilogue : IGemmEpilogue
{
    private readonly ReadOnlyMemory<float> _bias;
    private readonly float _threshold;

    /// <summary>Adds <paramref name="bias"/> then zeroes every element whose magnitude is below <paramref name="threshold"/>.</summary>
    public BiasDeadZoneEpilogue(ReadOnlyMemory<float> bias, float threshold)
    {
        _bias = bias;
        _threshold = threshold;
    }

    /// <inheritdoc />
    public void Apply(Span<float> segment, int row, int column)
    {
        TensorPrimitives.Add(segment, _bias.Span.Slice(column, segment.Length), segment);
        DeadZone.Apply(segment, _threshold);
    }
}
