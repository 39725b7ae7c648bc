using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using CpuLinear.Simd;

namespace CpuLinear.Kernels;

/// <summary>
/// Output rows built from shared rows plus a few weighted rows of two matrices, then the layer's bias and dead
/// zones: <c>out[i, :] = D_out(D_in(shared[i, :] + Σᵤ w[i, u]·M[rowsᵤ, :] + Σₜ v[i, t]·F[t, :]) + bias)</c>.
/// </summary>
/// <remarks>
/// It is how an ES member that changed only a few inputs of a layer gets that layer's output from θ's product
/// (<c>shared</c>): the changed inputs' rows of W (<c>M</c>) weighted by the changes, and the member's rank-r
/// update (<c>F</c> = its B factor). Each element is one fma chain in that order (shared, the rows in the
/// order given, then t increasing), so all kernel paths and blockings give the same bits. Four output rows
/// are computed together, so each vector of M loaded from cache feeds four FMAs (one row at a time is bound by
/// the loads, not the FMAs); a tile of columns stays in registers across the chain and is written once.
/// </remarks>
public static class WeightedRowSum
{
    // Output rows per register block: 4 rows x 2 vectors = 8 accumulators fit every path's register file.
    private const int RowBlock = 4;

    // Chains up to this many terms keep their pointers and gathered weights on the stack (24 KB at most); longer
    // ones, which no ES member has but a caller may pass, use the heap instead of overflowing the stack.
    private const int StackTerms = 1024;

    /// <summary>Computes <paramref name="destination"/> as described on the type.</summary>
    /// <param name="width">Columns of every row (of shared, M, F, bias and the output).</param>
    /// <param name="shared">The shared product, height x width, row-major.</param>
    /// <param name="matrix">Row-major, <paramref name="width"/> columns; rows <paramref name="rows"/> are read.</param>
    /// <param name="rows">Which rows of <paramref name="matrix"/>, in chain order (k of them).</param>
    /// <param name="rowWeights">w, height x k, row-major.</param>
    /// <param name="factor">F, r x width, row-major.</param>
    /// <param name="factorWeights">v, height x r, row-major.</param>
    /// <param name="bias">The flushed bias (at least width values).</param>
    /// <param name="inputThreshold">D_in, applied to the sum before the bias.</param>
    /// <param name="outputThreshold">D_out, applied after the bias.</param>
    /// <param name="destination">The output, height x width, row-major; height = its length / width.</param>
    /// <param name="path">Kernel path.</param>
    [SkipLocalsInit]
    public static unsafe void Compute(
        int width, ReadOnlySpan<float> shared, ReadOnlySpan<float> matrix, ReadOnlySpan<int> rows, ReadOnlySpan<float> rowWeights,
        ReadOnlySpan<float> factor, ReadOnlySpan<float> factorWeights, ReadOnlySpan<float> bias,
        float inputThreshold, float outputThreshold, Span<float> destination, KernelPath path)
    {
        if (width <= 0 || destination.Length % width != 0 || factor.Length % width != 0)
        {
            throw new ArgumentException($"Rows of {width}: the output ({destination.Length} values) and the factor ({factor.Length}) must be whole rows.");
        }

        int height = destination.Length / width, k = rows.Length, r = factor.Length / width;
        if (shared.Length < height * width || bias.Length < width || rowWeights.Length < height * k || factorWeights.Length < height * r)
        {
            throw new ArgumentException($"{height} rows of {width}: shared {shared.Length}, bias {bias.Length}, {rowWeights.Length} row weights for {k} rows each, {factorWeights.Length} factor weights for {r} factor rows each.");
        }

        int matrixRows = matrix.Length / width;
        foreach (int row in rows)
        {
            if ((uint)row >= (uint)matrixRows)
            {
                throw new ArgumentOutOfRangeException(nameof(rows), $"Row {row} is outside the matrix's {matrixRows} rows.");
            }
        }

        var args = new Arguments(width, k, r, inputThreshold, outputThreshold);
        int termCount = k + r;
        // The chain's terms in order: the selected rows of M, then the rows of F. One pointer per term, so the
        // kernels run a single loop over them; and each row's weights, w then v, gathered for a block of rows.
        Span<nint> termSpan = termCount <= StackTerms ? stackalloc nint[termCount] : new nint[termCount];
        Span<float> gathered = termCount <= StackTerms ? stackalloc float[RowBlock * termCount] : new float[RowBlock * termCount];
        fixed (float* s = shared, m = matrix, w = rowWeights, f = factor, v = factorWeights, b = bias, o = destination, g = gathered)
        fixed (int* selected = rows)
        fixed (nint* terms = termSpan)
        {
            for (int u = 0; u < k; u++)
            {
                terms[u] = (nint)(m + ((long)selected[u] * width));
            }

            for (int t = 0; t < r; t++)
            {
                terms[k + t] = (nint)(f + ((long)t * width));
            }

            var p = new Pointers(s, (float**)terms, w, v, b, o, g);
            var kernel = new RunKernel(p, args, height);
            LaneDispatch.Run(path, ref kernel);
        }
    }

    private static unsafe void Run<TLanes, TVector>(Pointers p, Arguments a, int height)
        where TLanes : IFloatLanes<TVector>
        where TVector : unmanaged
    {
        // Each row's chain weights, w then v, gathered next to each other: four rows' worth for a block.
        int terms = a.Terms;
        float* weights = p.Gathered;
        int i = 0;
        for (; i + RowBlock <= height; i += RowBlock)
        {
            for (int row = 0; row < RowBlock; row++)
            {
                GatherWeights(p, a, i + row, weights + (row * terms));
            }

            int c = RunBlock<TLanes, TVector>(p, a, i, weights);
            for (int row = 0; row < RowBlock; row++)
            {
                RunRow<TLanes, TVector>(p, a, i + row, c, weights + (row * terms));
            }
        }

        for (; i < height; i++)
        {
            GatherWeights(p, a, i, weights);
            RunRow<TLanes, TVector>(p, a, i, 0, weights);
        }
    }

    private static unsafe void GatherWeights(Pointers p, Arguments a, int row, float* destination)
    {
        new ReadOnlySpan<float>(p.RowWeights + ((long)row * a.Rows), a.Rows).CopyTo(new Span<float>(destination, a.Rows));
        new ReadOnlySpan<float>(p.FactorWeights + ((long)row * a.FactorRows), a.FactorRows).CopyTo(new Span<float>(destination + a.Rows, a.FactorRows));
    }

    // Rows first..first+3, columns in tiles of two vectors; returns the first column it left for RunRow.
    private static unsafe int RunBlock<TLanes, TVector>(Pointers p, Arguments a, int first, float* weights)
        where TLanes : IFloatLanes<TVector>
        where TVector : unmanaged
    {
        int n = TLanes.Count, w = a.Width, terms = a.Terms, c = 0;
        TVector inner = TLanes.Broadcast(a.InputThreshold), outer = TLanes.Broadcast(a.OutputThreshold);
        float* weights1 = weights + terms, weights2 = weights1 + terms, weights3 = weights2 + terms;
        for (; c <= w - (2 * n); c += 2 * n)
        {
            float* s = p.Shared + ((long)first * w) + c;
            TVector a00 = TLanes.Load(s), a01 = TLanes.Load(s + n);
            TVector a10 = TLanes.Load(s + w), a11 = TLanes.Load(s + w + n);
            TVector a20 = TLanes.Load(s + (2 * w)), a21 = TLanes.Load(s + (2 * w) + n);
            TVector a30 = TLanes.Load(s + (3 * w)), a31 = TLanes.Load(s + (3 * w) + n);
            for (int u = 0; u < terms; u++)
            {
                float* m = p.Terms[u] + c;
                TVector m0 = TLanes.Load(m), m1 = TLanes.Load(m + n);
                TVector x = TLanes.Broadcast(weights[u]);
                a00 = TLanes.FusedMultiplyAdd(m0, x, a00);
                a01 = TLanes.FusedMultiplyAdd(m1, x, a01);
                x = TLanes.Broadcast(weights1[u]);
                a10 = TLanes.FusedMultiplyAdd(m0, x, a10);
                a11 = TLanes.FusedMultiplyAdd(m1, x, a11);
                x = TLanes.Broadcast(weights2[u]);
                a20 = TLanes.FusedMultiplyAdd(m0, x, a20);
                a21 = TLanes.FusedMultiplyAdd(m1, x, a21);
                x = TLanes.Broadcast(weights3[u]);
                a30 = TLanes.FusedMultiplyAdd(m0, x, a30);
                a31 = TLanes.FusedMultiplyAdd(m1, x, a31);
            }

            float* o = p.Row + ((long)first * w) + c;
            Finish<TLanes, TVector>(a00, p, o, c, inner, outer);
            Finish<TLanes, TVector>(a01, p, o + n, c + n, inner, outer);
            Finish<TLanes, TVector>(a10, p, o + w, c, inner, outer);
            Finish<TLanes, TVector>(a11, p, o + w + n, c + n, inner, outer);
            Finish<TLanes, TVector>(a20, p, o + (2 * w), c, inner, outer);
            Finish<TLanes, TVector>(a21, p, o + (2 * w) + n, c + n, inner, outer);
            Finish<TLanes, TVector>(a30, p, o + (3 * w), c, inner, outer);
            Finish<TLanes, TVector>(a31, p, o + (3 * w) + n, c + n, inner, outer);
        }

        return c;
    }

    // One row, columns from `start`: single vectors, then a scalar tail.
    private static unsafe void RunRow<TLanes, TVector>(Pointers p, Arguments a, int row, int start, float* weights)
        where TLanes : IFloatLanes<TVector>
        where TVector : unmanaged
    {
        int n = TLanes.Count, w = a.Width, terms = a.Terms, c = start;
        TVector inner = TLanes.Broadcast(a.InputThreshold), outer = TLanes.Broadcast(a.OutputThreshold);
        float* shared = p.Shared + ((long)row * w), output = p.Row + ((long)row * w);
        for (; c <= w - n; c += n)
        {
            TVector acc = TLanes.Load(shared + c);
            for (int u = 0; u < terms; u++)
            {
                acc = TLanes.FusedMultiplyAdd(TLanes.Load(p.Terms[u] + c), TLanes.Broadcast(weights[u]), acc);
            }

            Finish<TLanes, TVector>(acc, p, output + c, c, inner, outer);
        }

        for (; c < w; c++)
        {
            float acc = shared[c];
            for (int u = 0; u < terms; u++)
            {
                acc = ScalarLanes.FusedMultiplyAdd(p.Terms[u][c], weights[u], acc);
            }

            float sum = ScalarLanes.DeadZone(acc, a.InputThreshold) + p.Bias[c];
            output[c] = ScalarLanes.DeadZone(sum, a.OutputThreshold);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Finish<TLanes, TVector>(TVector acc, Pointers p, float* output, int c, TVector inner, TVector outer)
        where TLanes : IFloatLanes<TVector>
        where TVector : unmanaged
    {
        TVector sum = TLanes.Add(TLanes.DeadZone(acc, inner), TLanes.Load(p.Bias + c));
        TLanes.Store(TLanes.DeadZone(sum, outer), output);
    }

    private readonly record struct Arguments(int Width, int Rows, int FactorRows, float InputThreshold, float OutputThreshold)
    {
        /// <summary>Terms of each chain: the selected rows, then the factor rows.</summary>
        public int Terms => Rows + FactorRows;
    }

    private readonly unsafe struct Pointers(float* shared, float** terms, float* rowWeights, float* factorWeights, float* bias, float* row, float* gathered)
    {
        public readonly float* Shared = shared, RowWeights = rowWeights, FactorWeights = factorWeights, Bias = bias, Row = row, Gathered = gathered;
        public readonly float** Terms = terms;
    }

    private readonly struct RunKernel(Pointers pointers, Arguments arguments, int height) : ILaneKernel<RunKernel>
    {
        private readonly Pointers _pointers = pointers;
        private readonly Arguments _arguments = arguments;
        private readonly int _height = height;

        public static void Run<TLanes, TVector>(ref RunKernel kernel)
            where TLanes : struct, IFloatLanes<TVector>
            where TVector : unmanaged => WeightedRowSum.Run<TLanes, TVector>(kernel._pointers, kernel._arguments, kernel._height);
    }
}
