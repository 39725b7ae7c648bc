using System.Numerics.Tensors;

namespace CpuLinear.Kernels;

/// <summary><c>C = A·B + bias</c>, the bias broadcast over rows (one IEEE add per element).</summary>
public readonly struct BiasEpilogue : IGemmEpilogue
{
    private readonly ReadOnlyMemory<float> _bias;

    /// <summary>Adds <paramref name="bias"/>[j] to every element of column j.</summary>
    public BiasEpilogue(ReadOnlyMemory<float> bias) => _bias = bias;

    /// <inheritdoc />
    public void Apply(Span<float> segment, int row, int column) =>
        TensorPrimitives.Add(segment, _bias.Span.Slice(column, segment.Length), segment);
}
