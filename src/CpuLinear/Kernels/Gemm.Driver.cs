using System.Runtime.CompilerServices;
using CpuLinear.Parallelism;
using CpuLinear.Simd;

namespace CpuLinear.Kernels;

public static partial class Gemm
{
    /// <summary>Packs B, then runs the (row block x column block) grid of work items on the thread pool.</summary>
    private static unsafe void Run<TLanes, TVector, TEpilogue>(Problem problem, TEpilogue epilogue, int threads)
        where TLanes : IFloatLanes<TVector>
        where TVector : unmanaged
        where TEpilogue : struct, IGemmEpilogue
    {
        int panelWidth = TileVectors * TLanes.Count;
        int panels = (problem.N + panelWidth - 1) / panelWidth;
        if (problem.K == 0)
        {
            // An empty fused-multiply-add chain is its starting value, +0.
            for (int i = 0; i < problem.M; i++)
            {
                var row = new Span<float>(problem.C + ((nint)i * problem.Ldc), problem.N);
                row.Clear();
                epilogue.Apply(row, i, 0);
            }

            return;
        }

        nuint packedLength = (nuint)panels * (nuint)problem.K * (nuint)panelWidth;
        PackingBuffer buffer = PackingBuffer.Rent(packedLength);
        float* packed = buffer.Data;
        try
        {
            EngineParallel.For(panels, threads, new PackPanels(problem, packed, panelWidth));

            int panelsPerBlock = Math.Max(1, ColumnBlock / panelWidth);
            int columnBlocks = (panels + panelsPerBlock - 1) / panelsPerBlock;
            int rowBlocks = (problem.M + RowBlock - 1) / RowBlock;
            var blocks = new MultiplyBlocks<TLanes, TVector, TEpilogue>(problem, packed, panelWidth, panelsPerBlock, columnBlocks, epilogue);
            EngineParallel.For(rowBlocks * columnBlocks, threads, blocks);
        }
        finally
        {
            buffer.Return();
        }
    }

    /// <summary>
    /// Copies B (plus its low-rank update) into k-major panels of <c>panelWidth</c> columns, zero-padding the last
    /// panel; <see cref="FollowingLayer.Pack"/> packs with it too, so both run the same panels.
    /// </summary>
    internal readonly unsafe struct PackPanels(Problem problem, float* packed, int panelWidth) : IWorkItems
    {
        public void Run(int panel)
        {
            int column = panel * panelWidth;
            int width = Math.Min(panelWidth, problem.N - column);
            float* destination = packed + ((nint)panel * problem.K * panelWidth);
            float* source = problem.B + column;
            for (int kk = 0; kk < problem.K; kk++)
            {
                var row = new Span<float>(destination, width);
                new ReadOnlySpan<float>(source + ((nint)kk * problem.Ldb), width).CopyTo(row);
                for (int t = 0; t < problem.UpdateRank; t++)
                {
                    // B'[kk, j] = fma(V[t, j], U[kk, t], B'[kk, j]), t in increasing order (MultiplyLowRankUpdated).
                    FusedMultiplyAdd.Accumulate(row, new ReadOnlySpan<float>(problem.UpdateRows + ((nint)t * problem.N) + column, width), problem.UpdateCoefficients[((nint)kk * problem.UpdateRank) + t]);
                }

                new Span<float>(destination + width, panelWidth - width).Clear();
                destination += panelWidth;
            }
        }
    }

    /// <summary>
    /// One work item computes a block of up to <see cref="RowBlock"/> rows by <c>panelsPerBlock</c> panels of C.
    /// Loop order k-block, panel, row tile: the packed B sliver is reused from L1 by every row tile.
    /// </summary>
    private readonly unsafe struct MultiplyBlocks<TLanes, TVector, TEpilogue>(
        Problem problem, float* packed, int panelWidth, int panelsPerBlock, int columnBlocks, TEpilogue epilogue) : IWorkItems
        where TLanes : IFloatLanes<TVector>
        where TVector : unmanaged
        where TEpilogue : struct, IGemmEpilogue
    {
        [SkipLocalsInit]
        public void Run(int index)
        {
            int rowStart = index / columnBlocks * RowBlock;
            int rowEnd = Math.Min(problem.M, rowStart + RowBlock);
            int firstPanel = index % columnBlocks * panelsPerBlock;
            int panelEnd = Math.Min(firstPanel + panelsPerBlock, (problem.N + panelWidth - 1) / panelWidth);

            // Scratch tile for panels narrower than panelWidth: the kernel always writes whole vectors.
            float* scratch = stackalloc float[TileRows * TileVectors * 16];
            for (int depth = 0; depth < problem.K; depth += DepthBlock)
            {
                int depthLength = Math.Min(DepthBlock, problem.K - depth);
                bool resume = depth > 0;
                bool last = depth + depthLength == problem.K;
                for (int panel = firstPanel; panel < panelEnd; panel++)
                {
                    int column = panel * panelWidth;
                    int width = Math.Min(panelWidth, problem.N - column);
                    float* sliver = packed + ((((nint)panel * problem.K) + depth) * panelWidth);
                    for (int row = rowStart; row < rowEnd; row += TileRows)
                    {
                        int rows = Math.Min(TileRows, rowEnd - row);
                        float* a = problem.A + ((nint)row * problem.Lda) + depth;
                        float* c = problem.C + ((nint)row * problem.Ldc) + column;
                        if (width == panelWidth)
                        {
                            Tile(a, problem.Lda, sliver, c, problem.Ldc, rows, depthLength, resume);
                        }
                        else
                        {
                            if (resume)
                            {
                                CopyTile(c, problem.Ldc, scratch, panelWidth, rows, width);
                            }

                            Tile(a, problem.Lda, sliver, scratch, panelWidth, rows, depthLength, resume);
                            CopyTile(scratch, panelWidth, c, problem.Ldc, rows, width);
                        }

                        if (last)
                        {
                            for (int r = 0; r < rows; r++)
                            {
                                epilogue.Apply(new Span<float>(c + ((nint)r * problem.Ldc), width), row + r, column);
                            }
                        }
                    }
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Tile(float* a, int lda, float* sliver, float* c, int ldc, int rows, int depth, bool resume)
        {
            if (rows == TileRows)
            {
                MicroKernel6<TLanes, TVector>(a, lda, sliver, c, ldc, depth, resume);
            }
            else
            {
                for (int r = 0; r < rows; r++)
                {
                    MicroKernel1<TLanes, TVector>(a + ((nint)r * lda), sliver, c + ((nint)r * ldc), depth, resume);
                }
            }
        }

        private static void CopyTile(float* source, int sourceStride, float* destination, int destinationStride, int rows, int width)
        {
            for (int r = 0; r < rows; r++)
            {
                new ReadOnlySpan<float>(source + ((nint)r * sourceStride), width).CopyTo(new Span<float>(destination + ((nint)r * destinationStride), width));
            }
        }
    }
}
