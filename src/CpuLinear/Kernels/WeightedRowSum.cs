using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CpuLinear.Kernels;

/// <summary>
/// One output row built from a shared row plus a few weighted rows of two matrices, then the layer's bias and
/// dead zones: <c>row = D_out(D_in(shared + Σᵤ wᵤ·M[rowsᵤ, :] + Σₜ vₜ·F[t, :]) + bias)</c>.
/// </summary>
/// <remarks>
/// It is how an ES member that changed only a few inputs of a layer gets that layer's output from θ's product
/// (<c>shared</c>): the changed inputs' rows of W (<c>M</c>) weighted by the changes, and the member's rank-r
/// update (<c>F</c> = its B factor). Each element is one fma chain in that order (shared, the rows in the
/// order given, then t increasing), so all kernel paths give the same bits. A tile of columns stays in
/// registers across the chain: the row is written once, and only the selected rows are read.
/// </remarks>
public static class WeightedRowSum
{
    /// <summary>Computes <paramref name="row"/> as described on the type.</summary>
    /// <param name="shared">The shared product's row (row.Length values).</param>
    /// <param name="matrix">Row-major, row.Length columns; rows <paramref name="rows"/> are read.</param>
    /// <param name="rows">Which rows of <paramref name="matrix"/>, in chain order.</param>
    /// <param name="rowWeights">wᵤ, one per entry of <paramref name="rows"/>.</param>
    /// <param name="factor">Row-major, row.Length columns, one row per entry of <paramref name="factorWeights"/>.</param>
    /// <param name="factorWeights">vₜ.</param>
    /// <param name="bias">The flushed bias (at least row.Length values).</param>
    /// <param name="inputThreshold">D_in, applied to the sum before the bias.</param>
    /// <param name="outputThreshold">D_out, applied after the bias.</param>
    /// <param name="row">The output row.</param>
    /// <param name="path">Kernel path.</param>
    [SkipLocalsInit]
    public static unsafe void Compute(
        ReadOnlySpan<float> shared, ReadOnlySpan<float> matrix, ReadOnlySpan<int> rows, ReadOnlySpan<float> rowWeights,
        ReadOnlySpan<float> factor, ReadOnlySpan<float> factorWeights, ReadOnlySpan<float> bias,
        float inputThreshold, float outputThreshold, Span<float> row, KernelPath path)
    {
        int width = row.Length;
        if (shared.Length < width || bias.Length < width || rowWeights.Length < rows.Length || factor.Length < factorWeights.Length * width)
        {
            throw new ArgumentException($"Row of {width}: shared {shared.Length}, bias {bias.Length}, {rowWeights.Length} weights for {rows.Length} rows, factor {factor.Length} for {factorWeights.Length} rows.");
        }

        int matrixRows = matrix.Length / Math.Max(width, 1);
        foreach (int r in rows)
        {
            if ((uint)r >= (uint)matrixRows)
            {
                throw new ArgumentOutOfRangeException(nameof(rows), $"Row {r} is outside the matrix's {matrixRows} rows.");
            }
        }

        var args = new Arguments(width, rows.Length, factorWeights.Length, inputThreshold, outputThreshold);
        fixed (float* s = shared, m = matrix, w = rowWeights, f = factor, v = factorWeights, b = bias, o = row)
        fixed (int* selected = rows)
        {
            var p = new Pointers(s, m, selected, w, f, v, b, o);
            switch (path)
            {
                case KernelPath.Vector512:
                    Run<Gemm.Vector512Lanes, Vector512<float>>(p, args);
                    break;
                case KernelPath.Vector256:
                    Run<Gemm.Vector256Lanes, Vector256<float>>(p, args);
                    break;
                case KernelPath.Vector128:
                    Run<Gemm.Vector128Lanes, Vector128<float>>(p, args);
                    break;
                default:
                    Run<Gemm.ScalarLanes, float>(p, args);
                    break;
            }
        }
    }

    private static unsafe void Run<TLanes, TVector>(Pointers p, Arguments a)
        where TLanes : IFloatLanes<TVector>
        where TVector : unmanaged
    {
        int n = TLanes.Count, c = 0;
        TVector inner = TLanes.Broadcast(a.InputThreshold), outer = TLanes.Broadcast(a.OutputThreshold);
        for (; c <= a.Width - (4 * n); c += 4 * n)
        {
            TVector a0 = TLanes.Load(p.Shared + c), a1 = TLanes.Load(p.Shared + c + n);
            TVector a2 = TLanes.Load(p.Shared + c + (2 * n)), a3 = TLanes.Load(p.Shared + c + (3 * n));
            for (int u = 0; u < a.Rows; u++)
            {
                TVector weight = TLanes.Broadcast(p.RowWeights[u]);
                float* m = p.Matrix + ((long)p.Selected[u] * a.Width) + c;
                a0 = TLanes.FusedMultiplyAdd(TLanes.Load(m), weight, a0);
                a1 = TLanes.FusedMultiplyAdd(TLanes.Load(m + n), weight, a1);
                a2 = TLanes.FusedMultiplyAdd(TLanes.Load(m + (2 * n)), weight, a2);
                a3 = TLanes.FusedMultiplyAdd(TLanes.Load(m + (3 * n)), weight, a3);
            }

            for (int t = 0; t < a.FactorRows; t++)
            {
                TVector weight = TLanes.Broadcast(p.FactorWeights[t]);
                float* f = p.Factor + ((long)t * a.Width) + c;
                a0 = TLanes.FusedMultiplyAdd(TLanes.Load(f), weight, a0);
                a1 = TLanes.FusedMultiplyAdd(TLanes.Load(f + n), weight, a1);
                a2 = TLanes.FusedMultiplyAdd(TLanes.Load(f + (2 * n)), weight, a2);
                a3 = TLanes.FusedMultiplyAdd(TLanes.Load(f + (3 * n)), weight, a3);
            }

            Finish<TLanes, TVector>(a0, p, c, inner, outer);
            Finish<TLanes, TVector>(a1, p, c + n, inner, outer);
            Finish<TLanes, TVector>(a2, p, c + (2 * n), inner, outer);
            Finish<TLanes, TVector>(a3, p, c + (3 * n), inner, outer);
        }

        for (; c <= a.Width - n; c += n)
        {
            TVector acc = TLanes.Load(p.Shared + c);
            for (int u = 0; u < a.Rows; u++)
            {
                acc = TLanes.FusedMultiplyAdd(TLanes.Load(p.Matrix + ((long)p.Selected[u] * a.Width) + c), TLanes.Broadcast(p.RowWeights[u]), acc);
            }

            for (int t = 0; t < a.FactorRows; t++)
            {
                acc = TLanes.FusedMultiplyAdd(TLanes.Load(p.Factor + ((long)t * a.Width) + c), TLanes.Broadcast(p.FactorWeights[t]), acc);
            }

            Finish<TLanes, TVector>(acc, p, c, inner, outer);
        }

        for (; c < a.Width; c++)
        {
            float acc = p.Shared[c];
            for (int u = 0; u < a.Rows; u++)
            {
                acc = Gemm.ScalarLanes.FusedMultiplyAdd(p.Matrix[((long)p.Selected[u] * a.Width) + c], p.RowWeights[u], acc);
            }

            for (int t = 0; t < a.FactorRows; t++)
            {
                acc = Gemm.ScalarLanes.FusedMultiplyAdd(p.Factor[((long)t * a.Width) + c], p.FactorWeights[t], acc);
            }

            float sum = Gemm.ScalarLanes.DeadZone(acc, a.InputThreshold) + p.Bias[c];
            p.Row[c] = Gemm.ScalarLanes.DeadZone(sum, a.OutputThreshold);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Finish<TLanes, TVector>(TVector acc, Pointers p, int c, TVector inner, TVector outer)
        where TLanes : IFloatLanes<TVector>
        where TVector : unmanaged
    {
        TVector sum = TLanes.Add(TLanes.DeadZone(acc, inner), TLanes.Load(p.Bias + c));
        TLanes.Store(TLanes.DeadZone(sum, outer), p.Row + c);
    }

    private readonly record struct Arguments(int Width, int Rows, int FactorRows, float InputThreshold, float OutputThreshold);

    private readonly unsafe struct Pointers(float* shared, float* matrix, int* selected, float* rowWeights, float* factor, float* factorWeights, float* bias, float* row)
    {
        public readonly float* Shared = shared, Matrix = matrix, RowWeights = rowWeights, Factor = factor, FactorWeights = factorWeights, Bias = bias, Row = row;
        public readonly int* Selected = selected;
    }
}
