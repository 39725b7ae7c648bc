namespace CpuLinear.Kernels;

/// <summary>
/// Work fused into a GEMM's store: applied to each finished stretch of an output row while it is still in
/// L1, after its fused-multiply-add chain over k is complete. Implementations must be element-wise
/// (each output depends only on its own accumulator and column), so the result is independent of how the
/// GEMM tiles the output.
/// </summary>
public interface IGemmEpilogue
{
    /// <summary>Transforms <paramref name="segment"/>, which holds columns <paramref name="column"/>.. of one output row.</summary>
    void Apply(Span<float> segment, int row, int column);
}
