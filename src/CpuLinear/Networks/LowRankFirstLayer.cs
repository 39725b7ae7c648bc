using CommunityToolkit.HighPerformance;
using CpuLinear.Kernels;
using CpuLinear.Simd;

namespace CpuLinear.Networks;

/// <summary>
/// The first layer of a low-rank ES member on the CPU engine, written once for every caller:
/// <c>h = D_out(D_in(S + c·P·B) + D_in(b₁))</c> with S = x·W₁ shared by the whole population, P = x·A (rows x r) the
/// member's projection and c its scale sσ/√r.
/// </summary>
/// <remarks>
/// Element (i, j) starts at S[i, j] and, for t = 0..r−1 in increasing order, becomes <c>fma(c·P[i, t], B[t, j], acc)</c>
/// (the product c·P[i, t] rounded to float first); the bias and dead-zone step is the fused executor's
/// (<see cref="FusedExecutor.Thresholds"/>). A device backend computes the same chain.
/// </remarks>
public static class LowRankFirstLayer
{
    /// <summary>Computes the member's first-layer output into <paramref name="destination"/> (rows x width₁).</summary>
    /// <param name="net">The network.</param>
    /// <param name="shared">S = x·W₁ (rows x width₁, row-major).</param>
    /// <param name="projection">P = x·A (rows x r, row-major).</param>
    /// <param name="factorB">B (r x width₁, row-major).</param>
    /// <param name="rank">r.</param>
    /// <param name="factorScale">c = sσ/√r.</param>
    /// <param name="bias">The member's first-layer bias b₁ (width₁), as stored.</param>
    /// <param name="flushedBias">Scratch of at least width₁ floats.</param>
    /// <param name="destination">Receives h.</param>
    /// <param name="path">The kernel path of the element-wise steps (all paths give the same bits).</param>
    public static void Apply(
        NetworkArchitecture net, ReadOnlySpan<float> shared, ReadOnlySpan<float> projection, ReadOnlySpan<float> factorB, int rank, float factorScale,
        ReadOnlySpan<float> bias, Span<float> flushedBias, Span2D<float> destination, KernelPath path)
    {
        ArgumentNullException.ThrowIfNull(net);
        int width = net.Widths[1], rows = destination.Height;
        if (destination.Width != width || shared.Length < rows * width || projection.Length < rows * rank || factorB.Length < rank * width || bias.Length < width)
        {
            throw new ArgumentException($"The first layer takes S ({rows}x{width}), P ({rows}x{rank}), B ({rank}x{width}) and a bias of {width}.");
        }

        (float inner, float outer) = FusedExecutor.Thresholds(net, 0);
        Span<float> flushed = flushedBias[..width];
        bias[..width].CopyTo(flushed);
        DeadZone.Apply(flushed, inner, path);
        for (int r = 0; r < rows; r++)
        {
            Span<float> h = destination.GetRowSpan(r);
            shared.Slice(r * width, width).CopyTo(h);
            for (int t = 0; t < rank; t++)
            {
                FusedMultiplyAdd.Accumulate(h, factorB.Slice(t * width, width), factorScale * projection[(r * rank) + t]);
            }

            DeadZone.AddBias(h, flushed, inner, outer, path);
        }
    }
}
