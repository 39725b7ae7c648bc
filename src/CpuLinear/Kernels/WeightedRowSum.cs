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
/// order given, then t increasing), so all kernel paths and blockings give the same bits. The selected rows'
/// column tiles are first packed next to each other (a panel), six output rows are computed together, so each
/// vector of the panel feeds six FMAs, and a tile of columns stays in registers across the chain and is written once.
/// </remarks>
public static class WeightedRowSum
{
    // Output rows per register block: 6 rows x 2 vectors = 12 accumulators, plus two loaded vectors and a
    // broadcast: 15 registers, within every path's register file (16 on AVX2 and SSE, 32 on AVX-512).
    private const int RowBlock = 6;

    // Chains up to this many terms keep their pointers on the stack (8 KB at most); longer ones, which no ES
    // member has but a caller may pass, use the heap instead of overflowing the stack.
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
    public static void Compute(
        int width, ReadOnlySpan<float> shared, ReadOnlySpan<float> matrix, ReadOnlySpan<int> rows, ReadOnlySpan<float> rowWeights,
        ReadOnlySpan<float> factor, ReadOnlySpan<float> factorWeights, ReadOnlySpan<float> bias,
        float inputThreshold, float outputThreshold, Span<float> destination, KernelPath path) =>
        Compute(width, shared, matrix, rows, rowWeights, factor, factorWeights, bias, inputThreshold, outputThreshold, destination, path, default);

    /// <summary>
    /// Computes <paramref name="destination"/> as described on the type, and then <paramref name="following"/> (a
    /// narrow next layer) on each block of its rows as soon as that block is finished.
    /// </summary>
    /// <param name="width">Columns of every row (of shared, M, F, bias and the output); the following layer's depth.</param>
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
    /// <param name="following">The next layer, or the default value for none; its output has height rows.</param>
    [SkipLocalsInit]
    public static unsafe void Compute(
        int width, ReadOnlySpan<float> shared, ReadOnlySpan<float> matrix, ReadOnlySpan<int> rows, ReadOnlySpan<float> rowWeights,
        ReadOnlySpan<float> factor, ReadOnlySpan<float> factorWeights, ReadOnlySpan<float> bias,
        float inputThreshold, float outputThreshold, Span<float> destination, KernelPath path, FollowingLayer following)
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

        if (following.IsPresent && (following.Depth != width || following.Destination.Length != height * following.Outputs))
        {
            throw new ArgumentException($"The following layer takes {following.Depth} inputs into {following.Destination.Length} outputs; the rows are {height} x {width}.", nameof(following));
        }

        var args = new Arguments(width, k, r, inputThreshold, outputThreshold);
        int termCount = k + r;
        // The chain's terms in order: the selected rows of M, then the rows of F, one pointer per term.
        Span<nint> termSpan = termCount <= StackTerms ? stackalloc nint[termCount] : new nint[termCount];
        fixed (float* s = shared, m = matrix, w = rowWeights, f = factor, v = factorWeights, b = bias, o = destination)
        fixed (float* nextPacked = following.Packed, nextBias = following.Bias, next = following.Destination)
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

            var p = new Pointers(s, (float**)terms, w, v, b, o);
            FollowingLayer.Pointers layer = following.IsPresent
                ? new(nextPacked, following.Depth, following.Outputs, following.Path, nextBias, following.InputThreshold, following.OutputThreshold, next)
                : default;
            var kernel = new RunKernel(p, args, height, layer);
            LaneDispatch.Run(path, ref kernel);
        }
    }

    private static unsafe void Run<TLanes, TVector>(Pointers p, Arguments a, int height, FollowingLayer.Pointers following)
        where TLanes : IFloatLanes<TVector>
        where TVector : unmanaged
    {
        // The terms' rows are a few of M's, each a full row apart (2 KB on the blog's network): read in place, a
        // tile's k + r slices fall into a handful of L1 sets and evict one another, and the kernel ran at a third
        // of the FMA peak. So each column tile's slices are first copied next to each other (the panel: tile by
        // tile, term by term, 2n floats each), which the row blocks then stream. The copy is k + r rows, against
        // height · (k + r) FMAs per column.
        int n = TLanes.Count, w = a.Width, terms = a.Terms, tile = 2 * n, tiles = w / tile, tiled = tiles * tile;
        PackingBuffer? buffer = tiles > 0 && terms > 0 ? PackingBuffer.Rent((nuint)tiles * (nuint)terms * (nuint)tile) : null;
        try
        {
            float* panel = buffer is null ? null : buffer.Data;
            if (panel is not null)
            {
                for (int t = 0; t < tiles; t++)
                {
                    float* destination = panel + ((long)t * terms * tile);
                    for (int u = 0; u < terms; u++)
                    {
                        float* source = p.Terms[u] + (t * tile);
                        TLanes.Store(TLanes.Load(source), destination + (u * tile));
                        TLanes.Store(TLanes.Load(source + n), destination + (u * tile) + n);
                    }
                }
            }

            // With a following layer, each finished block of rows is multiplied while it is in L1; rows with a
            // column tail are finished only at the end, so then the layer runs once over all of them.
            bool eager = following.IsPresent && tiled == w;
            int i = 0;
            for (; i + RowBlock <= height; i += RowBlock)
            {
                for (int t = 0; t < tiles; t++)
                {
                    RunBlock<TLanes, TVector, SixRows>(p, a, i, t * tile, panel + ((long)t * terms * tile));
                }

                if (eager)
                {
                    following.Rows(p.Row, i, RowBlock);
                }
            }

            // Four or five rows left (a minibatch of 256 leaves four): one block of four, so their chains are
            // interleaved too instead of each waiting out the FMA latency alone.
            if (i + 4 <= height)
            {
                for (int t = 0; t < tiles; t++)
                {
                    RunBlock<TLanes, TVector, FourRows>(p, a, i, t * tile, panel + ((long)t * terms * tile));
                }

                if (eager)
                {
                    following.Rows(p.Row, i, 4);
                }

                i += 4;
            }

            for (; i < height; i++)
            {
                for (int t = 0; t < tiles; t++)
                {
                    RunTile<TLanes, TVector>(p, a, i, t * tile, panel + ((long)t * terms * tile));
                }

                if (eager)
                {
                    following.Rows(p.Row, i, 1);
                }
            }

            if (tiled < w)
            {
                for (int row = 0; row < height; row++)
                {
                    RunRow<TLanes, TVector>(p, a, row, tiled);
                }
            }

            if (following.IsPresent && !eager)
            {
                following.Rows(p.Row, 0, height);
            }
        }
        finally
        {
            buffer?.Return();
        }
    }

    // Rows first..first+5 (or +3) at columns c..c+2n from the tile's panel: 12 (8) accumulators, each vector of a
    // term loaded once for six (four) FMAs. TRows is a constant for the JIT: the four-row block's code has no
    // trace of rows 4 and 5.
    private static unsafe void RunBlock<TLanes, TVector, TRows>(Pointers p, Arguments a, int first, int c, float* panel)
        where TLanes : IFloatLanes<TVector>
        where TVector : unmanaged
        where TRows : struct, IRowBlock
    {
        bool six = TRows.Count == 6;
        int n = TLanes.Count, w = a.Width, k = a.Rows, r = a.FactorRows;
        float* s = p.Shared + ((long)first * w) + c;
        TVector a00 = TLanes.Load(s), a01 = TLanes.Load(s + n);
        TVector a10 = TLanes.Load(s + w), a11 = TLanes.Load(s + w + n);
        TVector a20 = TLanes.Load(s + (2 * w)), a21 = TLanes.Load(s + (2 * w) + n);
        TVector a30 = TLanes.Load(s + (3 * w)), a31 = TLanes.Load(s + (3 * w) + n);
        TVector a40 = six ? TLanes.Load(s + (4 * w)) : default, a41 = six ? TLanes.Load(s + (4 * w) + n) : default;
        TVector a50 = six ? TLanes.Load(s + (5 * w)) : default, a51 = six ? TLanes.Load(s + (5 * w) + n) : default;

        // The chain's terms in order: the selected rows of M weighted by w, then the rows of F weighted by v.
        float* m = panel;
        for (int part = 0; part < 2; part++)
        {
            int count = part == 0 ? k : r;
            float* x0 = (part == 0 ? p.RowWeights : p.FactorWeights) + ((long)first * count);
            float* x1 = x0 + count, x2 = x1 + count, x3 = x2 + count, x4 = x3 + count, x5 = x4 + count;
            for (int u = 0; u < count; u++, m += 2 * n)
            {
                TVector m0 = TLanes.Load(m), m1 = TLanes.Load(m + n);
                TVector x = TLanes.Broadcast(x0[u]);
                a00 = TLanes.FusedMultiplyAdd(m0, x, a00);
                a01 = TLanes.FusedMultiplyAdd(m1, x, a01);
                x = TLanes.Broadcast(x1[u]);
                a10 = TLanes.FusedMultiplyAdd(m0, x, a10);
                a11 = TLanes.FusedMultiplyAdd(m1, x, a11);
                x = TLanes.Broadcast(x2[u]);
                a20 = TLanes.FusedMultiplyAdd(m0, x, a20);
                a21 = TLanes.FusedMultiplyAdd(m1, x, a21);
                x = TLanes.Broadcast(x3[u]);
                a30 = TLanes.FusedMultiplyAdd(m0, x, a30);
                a31 = TLanes.FusedMultiplyAdd(m1, x, a31);
                if (six)
                {
                    x = TLanes.Broadcast(x4[u]);
                    a40 = TLanes.FusedMultiplyAdd(m0, x, a40);
                    a41 = TLanes.FusedMultiplyAdd(m1, x, a41);
                    x = TLanes.Broadcast(x5[u]);
                    a50 = TLanes.FusedMultiplyAdd(m0, x, a50);
                    a51 = TLanes.FusedMultiplyAdd(m1, x, a51);
                }
            }
        }

        TVector inner = TLanes.Broadcast(a.InputThreshold), outer = TLanes.Broadcast(a.OutputThreshold);
        float* o = p.Row + ((long)first * w) + c;
        Finish<TLanes, TVector>(a00, p, o, c, inner, outer);
        Finish<TLanes, TVector>(a01, p, o + n, c + n, inner, outer);
        Finish<TLanes, TVector>(a10, p, o + w, c, inner, outer);
        Finish<TLanes, TVector>(a11, p, o + w + n, c + n, inner, outer);
        Finish<TLanes, TVector>(a20, p, o + (2 * w), c, inner, outer);
        Finish<TLanes, TVector>(a21, p, o + (2 * w) + n, c + n, inner, outer);
        Finish<TLanes, TVector>(a30, p, o + (3 * w), c, inner, outer);
        Finish<TLanes, TVector>(a31, p, o + (3 * w) + n, c + n, inner, outer);
        if (six)
        {
            Finish<TLanes, TVector>(a40, p, o + (4 * w), c, inner, outer);
            Finish<TLanes, TVector>(a41, p, o + (4 * w) + n, c + n, inner, outer);
            Finish<TLanes, TVector>(a50, p, o + (5 * w), c, inner, outer);
            Finish<TLanes, TVector>(a51, p, o + (5 * w) + n, c + n, inner, outer);
        }
    }

    // One leftover row at columns c..c+2n from the tile's panel.
    private static unsafe void RunTile<TLanes, TVector>(Pointers p, Arguments a, int row, int c, float* panel)
        where TLanes : IFloatLanes<TVector>
        where TVector : unmanaged
    {
        int n = TLanes.Count, w = a.Width, k = a.Rows, r = a.FactorRows;
        float* s = p.Shared + ((long)row * w) + c;
        TVector acc0 = TLanes.Load(s), acc1 = TLanes.Load(s + n);
        float* m = panel;
        for (int part = 0; part < 2; part++)
        {
            int count = part == 0 ? k : r;
            float* x = (part == 0 ? p.RowWeights : p.FactorWeights) + ((long)row * count);
            for (int u = 0; u < count; u++, m += 2 * n)
            {
                TVector weight = TLanes.Broadcast(x[u]);
                acc0 = TLanes.FusedMultiplyAdd(TLanes.Load(m), weight, acc0);
                acc1 = TLanes.FusedMultiplyAdd(TLanes.Load(m + n), weight, acc1);
            }
        }

        TVector inner = TLanes.Broadcast(a.InputThreshold), outer = TLanes.Broadcast(a.OutputThreshold);
        float* o = p.Row + ((long)row * w) + c;
        Finish<TLanes, TVector>(acc0, p, o, c, inner, outer);
        Finish<TLanes, TVector>(acc1, p, o + n, c + n, inner, outer);
    }

    // One row, the columns from `start` that fill no whole tile, read in place: single vectors, then a scalar tail.
    private static unsafe void RunRow<TLanes, TVector>(Pointers p, Arguments a, int row, int start)
        where TLanes : IFloatLanes<TVector>
        where TVector : unmanaged
    {
        int n = TLanes.Count, w = a.Width, k = a.Rows, r = a.FactorRows, c = start;
        TVector inner = TLanes.Broadcast(a.InputThreshold), outer = TLanes.Broadcast(a.OutputThreshold);
        float* shared = p.Shared + ((long)row * w), output = p.Row + ((long)row * w);
        float* rowWeights = p.RowWeights + ((long)row * k), factorWeights = p.FactorWeights + ((long)row * r);
        float** factorTerms = p.Terms + k;
        for (; c <= w - n; c += n)
        {
            TVector acc = TLanes.Load(shared + c);
            for (int u = 0; u < k; u++)
            {
                acc = TLanes.FusedMultiplyAdd(TLanes.Load(p.Terms[u] + c), TLanes.Broadcast(rowWeights[u]), acc);
            }

            for (int t = 0; t < r; t++)
            {
                acc = TLanes.FusedMultiplyAdd(TLanes.Load(factorTerms[t] + c), TLanes.Broadcast(factorWeights[t]), acc);
            }

            Finish<TLanes, TVector>(acc, p, output + c, c, inner, outer);
        }

        for (; c < w; c++)
        {
            float acc = shared[c];
            for (int u = 0; u < k; u++)
            {
                acc = ScalarLanes.FusedMultiplyAdd(p.Terms[u][c], rowWeights[u], acc);
            }

            for (int t = 0; t < r; t++)
            {
                acc = ScalarLanes.FusedMultiplyAdd(factorTerms[t][c], factorWeights[t], acc);
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

    // Rows per register block, as a type so each block size is its own specialisation.
    private interface IRowBlock
    {
        static abstract int Count { get; }
    }

    private readonly struct SixRows : IRowBlock
    {
        public static int Count => 6;
    }

    private readonly struct FourRows : IRowBlock
    {
        public static int Count => 4;
    }

    private readonly record struct Arguments(int Width, int Rows, int FactorRows, float InputThreshold, float OutputThreshold)
    {
        /// <summary>Terms of each chain: the selected rows, then the factor rows.</summary>
        public int Terms => Rows + FactorRows;
    }

    private readonly unsafe struct Pointers(float* shared, float** terms, float* rowWeights, float* factorWeights, float* bias, float* row)
    {
        public readonly float* Shared = shared, RowWeights = rowWeights, FactorWeights = factorWeights, Bias = bias, Row = row;
        public readonly float** Terms = terms;
    }

    private readonly struct RunKernel(Pointers pointers, Arguments arguments, int height, FollowingLayer.Pointers following) : ILaneKernel<RunKernel>
    {
        private readonly Pointers _pointers = pointers;
        private readonly Arguments _arguments = arguments;
        private readonly int _height = height;
        private readonly FollowingLayer.Pointers _following = following;

        public static void Run<TLanes, TVector>(ref RunKernel kernel)
            where TLanes : struct, IFloatLanes<TVector>
            where TVector : unmanaged => WeightedRowSum.Run<TLanes, TVector>(kernel._pointers, kernel._arguments, kernel._height, kernel._following);
    }
}
