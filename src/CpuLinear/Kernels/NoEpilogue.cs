namespace CpuLinear.Kernels;

/// <summary>Plain <c>C = A·B</c>: the accumulators are stored unchanged.</summary>
public readonly struct NoEpilogue : IGemmEpilogue
{
    /// <inheritdoc />
    public void Apply(Span<float> segment, int row, int column)
    {
    }
}
