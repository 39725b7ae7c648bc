using System.Runtime.CompilerServices;
using CpuLinear.Simd;

namespace CpuLinear.Kernels;

public static partial class Gemm
{
    /// <summary>
    /// The register tile: 6 rows x 2 vectors of C held in 12 accumulators while k runs over one depth block.
    /// Each step loads two vectors of the packed B sliver, broadcasts one A element per row and issues one
    /// fused multiply-add per accumulator, so each output element's chain advances by exactly one k, in order.
    /// </summary>
    /// <remarks>
    /// <c>a</c> points at A's (first row, first k of the block), rows <c>lda</c> floats apart; <c>b</c> at the packed
    /// sliver, <c>depth</c> rows of 2 vectors each; <c>c</c> at the tile's corner, rows <c>ldc</c> apart. With
    /// <c>resume</c> the chains continue from C's current values (a later depth block) instead of from +0.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    internal static unsafe void MicroKernel6<TLanes, TVector>(float* a, nint lda, float* b, float* c, nint ldc, int depth, bool resume)
        where TLanes : IFloatLanes<TVector>
        where TVector : unmanaged
    {
        int w = TLanes.Count;
        float* c0 = c, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc, c4 = c3 + ldc, c5 = c4 + ldc;
        TVector acc00, acc01, acc10, acc11, acc20, acc21, acc30, acc31, acc40, acc41, acc50, acc51;
        if (resume)
        {
            acc00 = TLanes.Load(c0); acc01 = TLanes.Load(c0 + w);
            acc10 = TLanes.Load(c1); acc11 = TLanes.Load(c1 + w);
            acc20 = TLanes.Load(c2); acc21 = TLanes.Load(c2 + w);
            acc30 = TLanes.Load(c3); acc31 = TLanes.Load(c3 + w);
            acc40 = TLanes.Load(c4); acc41 = TLanes.Load(c4 + w);
            acc50 = TLanes.Load(c5); acc51 = TLanes.Load(c5 + w);
        }
        else
        {
            acc00 = acc01 = acc10 = acc11 = acc20 = acc21 = TLanes.Zero;
            acc30 = acc31 = acc40 = acc41 = acc50 = acc51 = TLanes.Zero;
        }

        float* a0 = a, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda;
        for (int p = 0; p < depth; p++)
        {
            TVector b0 = TLanes.Load(b);
            TVector b1 = TLanes.Load(b + w);
            b += 2 * w;

            TVector x = TLanes.Broadcast(a0[p]);
            acc00 = TLanes.FusedMultiplyAdd(x, b0, acc00);
            acc01 = TLanes.FusedMultiplyAdd(x, b1, acc01);
            x = TLanes.Broadcast(a1[p]);
            acc10 = TLanes.FusedMultiplyAdd(x, b0, acc10);
            acc11 = TLanes.FusedMultiplyAdd(x, b1, acc11);
            x = TLanes.Broadcast(a2[p]);
            acc20 = TLanes.FusedMultiplyAdd(x, b0, acc20);
            acc21 = TLanes.FusedMultiplyAdd(x, b1, acc21);
            x = TLanes.Broadcast(a3[p]);
            acc30 = TLanes.FusedMultiplyAdd(x, b0, acc30);
            acc31 = TLanes.FusedMultiplyAdd(x, b1, acc31);
            x = TLanes.Broadcast(a4[p]);
            acc40 = TLanes.FusedMultiplyAdd(x, b0, acc40);
            acc41 = TLanes.FusedMultiplyAdd(x, b1, acc41);
            x = TLanes.Broadcast(a5[p]);
            acc50 = TLanes.FusedMultiplyAdd(x, b0, acc50);
            acc51 = TLanes.FusedMultiplyAdd(x, b1, acc51);
        }

        TLanes.Store(acc00, c0); TLanes.Store(acc01, c0 + w);
        TLanes.Store(acc10, c1); TLanes.Store(acc11, c1 + w);
        TLanes.Store(acc20, c2); TLanes.Store(acc21, c2 + w);
        TLanes.Store(acc30, c3); TLanes.Store(acc31, c3 + w);
        TLanes.Store(acc40, c4); TLanes.Store(acc41, c4 + w);
        TLanes.Store(acc50, c5); TLanes.Store(acc51, c5 + w);
    }

    /// <summary>
    /// Six rows x 4 vectors (two adjacent packed panels, <paramref name="b"/> and <paramref name="nextPanel"/>, read at
    /// the same k): 24 accumulators, so each k step issues 24 fused multiply-adds for 4 loads and 6 broadcasts instead
    /// of 12 for 2 and 6. The chains are <see cref="MicroKernel6{TLanes, TVector}"/>'s (from +0, k increasing).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    internal static unsafe void MicroKernel6x4<TLanes, TVector>(float* a, nint lda, float* b, float* nextPanel, float* c, nint ldc, int depth)
        where TLanes : IFloatLanes<TVector>
        where TVector : unmanaged
    {
        int w = TLanes.Count;
        TVector acc00 = TLanes.Zero, acc01 = TLanes.Zero, acc02 = TLanes.Zero, acc03 = TLanes.Zero, acc10 = TLanes.Zero, acc11 = TLanes.Zero, acc12 = TLanes.Zero, acc13 = TLanes.Zero, acc20 = TLanes.Zero, acc21 = TLanes.Zero, acc22 = TLanes.Zero, acc23 = TLanes.Zero;
        TVector acc30 = TLanes.Zero, acc31 = TLanes.Zero, acc32 = TLanes.Zero, acc33 = TLanes.Zero, acc40 = TLanes.Zero, acc41 = TLanes.Zero, acc42 = TLanes.Zero, acc43 = TLanes.Zero, acc50 = TLanes.Zero, acc51 = TLanes.Zero, acc52 = TLanes.Zero, acc53 = TLanes.Zero;
        float* a0 = a, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda;
        for (int p = 0; p < depth; p++)
        {
            TVector b0 = TLanes.Load(b), b1 = TLanes.Load(b + w), b2 = TLanes.Load(nextPanel), b3 = TLanes.Load(nextPanel + w);
            b += 2 * w;
            nextPanel += 2 * w;
            TVector x0 = TLanes.Broadcast(a0[p]);
            acc00 = TLanes.FusedMultiplyAdd(x0, b0, acc00);
            acc01 = TLanes.FusedMultiplyAdd(x0, b1, acc01);
            acc02 = TLanes.FusedMultiplyAdd(x0, b2, acc02);
            acc03 = TLanes.FusedMultiplyAdd(x0, b3, acc03);
            TVector x1 = TLanes.Broadcast(a1[p]);
            acc10 = TLanes.FusedMultiplyAdd(x1, b0, acc10);
            acc11 = TLanes.FusedMultiplyAdd(x1, b1, acc11);
            acc12 = TLanes.FusedMultiplyAdd(x1, b2, acc12);
            acc13 = TLanes.FusedMultiplyAdd(x1, b3, acc13);
            TVector x2 = TLanes.Broadcast(a2[p]);
            acc20 = TLanes.FusedMultiplyAdd(x2, b0, acc20);
            acc21 = TLanes.FusedMultiplyAdd(x2, b1, acc21);
            acc22 = TLanes.FusedMultiplyAdd(x2, b2, acc22);
            acc23 = TLanes.FusedMultiplyAdd(x2, b3, acc23);
            TVector x3 = TLanes.Broadcast(a3[p]);
            acc30 = TLanes.FusedMultiplyAdd(x3, b0, acc30);
            acc31 = TLanes.FusedMultiplyAdd(x3, b1, acc31);
            acc32 = TLanes.FusedMultiplyAdd(x3, b2, acc32);
            acc33 = TLanes.FusedMultiplyAdd(x3, b3, acc33);
            TVector x4 = TLanes.Broadcast(a4[p]);
            acc40 = TLanes.FusedMultiplyAdd(x4, b0, acc40);
            acc41 = TLanes.FusedMultiplyAdd(x4, b1, acc41);
            acc42 = TLanes.FusedMultiplyAdd(x4, b2, acc42);
            acc43 = TLanes.FusedMultiplyAdd(x4, b3, acc43);
            TVector x5 = TLanes.Broadcast(a5[p]);
            acc50 = TLanes.FusedMultiplyAdd(x5, b0, acc50);
            acc51 = TLanes.FusedMultiplyAdd(x5, b1, acc51);
            acc52 = TLanes.FusedMultiplyAdd(x5, b2, acc52);
            acc53 = TLanes.FusedMultiplyAdd(x5, b3, acc53);
        }

        float* c0 = c + (0 * ldc);
        TLanes.Store(acc00, c0 + (0 * w)); TLanes.Store(acc01, c0 + (1 * w)); TLanes.Store(acc02, c0 + (2 * w)); TLanes.Store(acc03, c0 + (3 * w));
        float* c1 = c + (1 * ldc);
        TLanes.Store(acc10, c1 + (0 * w)); TLanes.Store(acc11, c1 + (1 * w)); TLanes.Store(acc12, c1 + (2 * w)); TLanes.Store(acc13, c1 + (3 * w));
        float* c2 = c + (2 * ldc);
        TLanes.Store(acc20, c2 + (0 * w)); TLanes.Store(acc21, c2 + (1 * w)); TLanes.Store(acc22, c2 + (2 * w)); TLanes.Store(acc23, c2 + (3 * w));
        float* c3 = c + (3 * ldc);
        TLanes.Store(acc30, c3 + (0 * w)); TLanes.Store(acc31, c3 + (1 * w)); TLanes.Store(acc32, c3 + (2 * w)); TLanes.Store(acc33, c3 + (3 * w));
        float* c4 = c + (4 * ldc);
        TLanes.Store(acc40, c4 + (0 * w)); TLanes.Store(acc41, c4 + (1 * w)); TLanes.Store(acc42, c4 + (2 * w)); TLanes.Store(acc43, c4 + (3 * w));
        float* c5 = c + (5 * ldc);
        TLanes.Store(acc50, c5 + (0 * w)); TLanes.Store(acc51, c5 + (1 * w)); TLanes.Store(acc52, c5 + (2 * w)); TLanes.Store(acc53, c5 + (3 * w));
    }

    /// <summary>One row x 2 vectors: the same chains as <see cref="MicroKernel6{TLanes, TVector}"/>, for leftover rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void MicroKernel1<TLanes, TVector>(float* a, float* b, float* c, int depth, bool resume)
        where TLanes : IFloatLanes<TVector>
        where TVector : unmanaged
    {
        int w = TLanes.Count;
        TVector acc0 = resume ? TLanes.Load(c) : TLanes.Zero;
        TVector acc1 = resume ? TLanes.Load(c + w) : TLanes.Zero;
        for (int p = 0; p < depth; p++)
        {
            TVector x = TLanes.Broadcast(a[p]);
            acc0 = TLanes.FusedMultiplyAdd(x, TLanes.Load(b), acc0);
            acc1 = TLanes.FusedMultiplyAdd(x, TLanes.Load(b + w), acc1);
            b += 2 * w;
        }

        TLanes.Store(acc0, c);
        TLanes.Store(acc1, c + w);
    }

    /// <summary>
    /// Twelve rows x 1 vector, for a panel exactly one vector wide (a narrow layer's 16 columns on 512-bit lanes, packed
    /// k-major as the 256-bit path packs its 2-vector panels): one load of B and twelve broadcast fused multiply-adds per
    /// k, the same chains as <see cref="MicroKernel6{TLanes, TVector}"/> (from +0, k increasing).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    internal static unsafe void MicroKernel12x1<TLanes, TVector>(float* a, nint lda, float* b, float* c, nint ldc, int depth)
        where TLanes : IFloatLanes<TVector>
        where TVector : unmanaged
    {
        int w = TLanes.Count;
        TVector acc0 = TLanes.Zero, acc1 = TLanes.Zero, acc2 = TLanes.Zero, acc3 = TLanes.Zero, acc4 = TLanes.Zero, acc5 = TLanes.Zero;
        TVector acc6 = TLanes.Zero, acc7 = TLanes.Zero, acc8 = TLanes.Zero, acc9 = TLanes.Zero, acc10 = TLanes.Zero, acc11 = TLanes.Zero;
        float* a0 = a, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda;
        float* a6 = a5 + lda, a7 = a6 + lda, a8 = a7 + lda, a9 = a8 + lda, a10 = a9 + lda, a11 = a10 + lda;
        for (int p = 0; p < depth; p++)
        {
            TVector v = TLanes.Load(b);
            b += w;
            acc0 = TLanes.FusedMultiplyAdd(TLanes.Broadcast(a0[p]), v, acc0);
            acc1 = TLanes.FusedMultiplyAdd(TLanes.Broadcast(a1[p]), v, acc1);
            acc2 = TLanes.FusedMultiplyAdd(TLanes.Broadcast(a2[p]), v, acc2);
            acc3 = TLanes.FusedMultiplyAdd(TLanes.Broadcast(a3[p]), v, acc3);
            acc4 = TLanes.FusedMultiplyAdd(TLanes.Broadcast(a4[p]), v, acc4);
            acc5 = TLanes.FusedMultiplyAdd(TLanes.Broadcast(a5[p]), v, acc5);
            acc6 = TLanes.FusedMultiplyAdd(TLanes.Broadcast(a6[p]), v, acc6);
            acc7 = TLanes.FusedMultiplyAdd(TLanes.Broadcast(a7[p]), v, acc7);
            acc8 = TLanes.FusedMultiplyAdd(TLanes.Broadcast(a8[p]), v, acc8);
            acc9 = TLanes.FusedMultiplyAdd(TLanes.Broadcast(a9[p]), v, acc9);
            acc10 = TLanes.FusedMultiplyAdd(TLanes.Broadcast(a10[p]), v, acc10);
            acc11 = TLanes.FusedMultiplyAdd(TLanes.Broadcast(a11[p]), v, acc11);
        }

        TLanes.Store(acc0, c);
        TLanes.Store(acc1, c + ldc);
        TLanes.Store(acc2, c + (2 * ldc));
        TLanes.Store(acc3, c + (3 * ldc));
        TLanes.Store(acc4, c + (4 * ldc));
        TLanes.Store(acc5, c + (5 * ldc));
        TLanes.Store(acc6, c + (6 * ldc));
        TLanes.Store(acc7, c + (7 * ldc));
        TLanes.Store(acc8, c + (8 * ldc));
        TLanes.Store(acc9, c + (9 * ldc));
        TLanes.Store(acc10, c + (10 * ldc));
        TLanes.Store(acc11, c + (11 * ldc));
    }

    /// <summary>One row x 1 vector: the chains of <see cref="MicroKernel12x1{TLanes, TVector}"/>, for leftover rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void MicroKernel1x1<TLanes, TVector>(float* a, float* b, float* c, int depth)
        where TLanes : IFloatLanes<TVector>
        where TVector : unmanaged
    {
        int w = TLanes.Count;
        TVector acc = TLanes.Zero;
        for (int p = 0; p < depth; p++)
        {
            acc = TLanes.FusedMultiplyAdd(TLanes.Broadcast(a[p]), TLanes.Load(b), acc);
            b += w;
        }

        TLanes.Store(acc, c);
    }
}
