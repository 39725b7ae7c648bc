using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using CommunityToolkit.HighPerformance;
using CpuLinear.Simd;

namespace CpuLinear.Kernels;

/// <summary>
/// Single-precision matrix multiply <c>C = epilogue(A·B)</c> over row-major memory.
/// </summary>
/// <remarks>
/// <para>
/// The contract that makes CpuLinear reproducible: every output element is one fused-multiply-add chain over
/// k in increasing order, <c>acc = fma(A[i,k], B[k,j], acc)</c> starting from <c>acc = +0</c>. Vectors run
/// across output columns, never across k; threads split rows and columns, never k; blocking over k stores
/// the accumulator and resumes the same chain. So the bits do not depend on the kernel path (512, 256, 128
/// bits or scalar) or on the thread count.
/// </para>
/// <para>
/// Floating-point behaviour is whatever the calling thread's environment says: under IEEE rules subnormal
/// products are computed (slowly, through microcode assists on x86); under flush-to-zero and
/// denormals-are-zero they are flushed. Worker threads take on the caller's mode for the duration of the
/// call and get their own back afterwards. NaN and infinity propagate as IEEE 754 prescribes.
/// </para>
/// <code>
///        B packed into panels of NR = 2 vectors of columns, zero-padded, k-major:
///        panel p: [ b(0,j0..j0+NR) | b(1,j0..j0+NR) | ... | b(K-1, ...) ]
///   A rows read in place (MR = 6 broadcast streams), C written in MR x NR register tiles.
/// </code>
/// </remarks>
public static partial class Gemm
{
    /// <summary>Rows of a register tile (MR): 6 rows x 2 vectors = 12 accumulators plus 3 working registers.</summary>
    internal const int TileRows = 6;

    /// <summary>Vectors across a register tile (NR = 2 x vector width columns).</summary>
    internal const int TileVectors = 2;

    /// <summary>k-block (KC): a 256 x NR sliver of packed B stays in L1 while the rows of a block stream past it.</summary>
    internal const int DepthBlock = 256;

    /// <summary>Rows per work item (MC): 16 register tiles, about 96 KB of A per k-block, which stays in L2.</summary>
    internal const int RowBlock = TileRows * 16;

    /// <summary>Target columns per work item (NC); rounded to whole panels.</summary>
    internal const int ColumnBlock = 256;

    /// <summary>Computes <c>C = A·B</c>. See <see cref="Multiply{TEpilogue}(ReadOnlySpan2D{float}, ReadOnlySpan2D{float}, Span2D{float}, TEpilogue, EngineSettings?)"/>.</summary>
    public static void Multiply(ReadOnlySpan2D<float> a, ReadOnlySpan2D<float> b, Span2D<float> c, EngineSettings? settings = null) =>
        Multiply(a, b, c, default(NoEpilogue), settings);

    /// <summary>Computes <c>C = epilogue(A·B)</c> for A (M x K), B (K x N) and C (M x N).</summary>
    /// <exception cref="ArgumentException">The shapes do not agree.</exception>
    public static void Multiply<TEpilogue>(ReadOnlySpan2D<float> a, ReadOnlySpan2D<float> b, Span2D<float> c, TEpilogue epilogue, EngineSettings? settings = null)
        where TEpilogue : struct, IGemmEpilogue
    {
        RequireProductShapes(a, b, c);
        int m = a.Height, n = b.Width, k = a.Width;
        if (m == 0 || n == 0)
        {
            return;
        }

        Multiply(
            m, n, k,
            MemoryMarshal.CreateReadOnlySpan(in a.DangerousGetReference(), Extent(m, k, RowStride(a))), RowStride(a),
            MemoryMarshal.CreateReadOnlySpan(in b.DangerousGetReference(), Extent(k, n, RowStride(b))), RowStride(b),
            MemoryMarshal.CreateSpan(ref c.DangerousGetReference(), Extent(m, n, RowStride(c))), RowStride(c),
            epilogue, settings);
    }

    /// <summary>Computes <c>C = A·B</c> over spans with explicit leading dimensions (row strides, in floats).</summary>
    public static void Multiply(int m, int n, int k, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, EngineSettings? settings = null) =>
        Multiply(m, n, k, a, lda, b, ldb, c, ldc, default(NoEpilogue), settings);

    /// <summary>Computes <c>C = epilogue(A·B)</c> over spans with explicit leading dimensions (row strides, in floats).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative or a leading dimension is too small.</exception>
    /// <exception cref="ArgumentException">A span is too short for its dimensions.</exception>
    public static unsafe void Multiply<TEpilogue>(int m, int n, int k, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, TEpilogue epilogue, EngineSettings? settings = null)
        where TEpilogue : struct, IGemmEpilogue
    {
        Validate(m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0)
        {
            return;
        }

        settings ??= EngineSettings.Default;
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            Run(new Problem(m, n, k, pa, lda, pb, ldb, pc, ldc), epilogue, settings);
        }
    }

    /// <summary>
    /// Computes <c>C = epilogue(A·B')</c> with <c>B' = B + U·V</c>, a rank-r update of B (U is K x r, V is r x N,
    /// both row-major and contiguous), without materialising B': the update is applied as B is packed.
    /// </summary>
    /// <remarks>
    /// B'[k, j] is B[k, j] followed by <c>fma(V[t, j], U[k, t], ·)</c> for t = 0..r−1 in increasing order, one
    /// rounding each: exactly the bits of adding the terms to a copy of B with fused multiply-adds, then calling
    /// <see cref="Multiply{TEpilogue}(ReadOnlySpan2D{float}, ReadOnlySpan2D{float}, Span2D{float}, TEpilogue, EngineSettings?)"/>
    /// on the copy. Evolution strategies use it for a member's perturbed weights W + σ·A·B: per member it saves
    /// writing and re-reading a copy of W, which for a 512x512 layer costs as much memory traffic as packing.
    /// </remarks>
    /// <exception cref="ArgumentException">The shapes do not agree.</exception>
    public static unsafe void MultiplyLowRankUpdated<TEpilogue>(
        ReadOnlySpan2D<float> a, ReadOnlySpan2D<float> b, ReadOnlySpan<float> coefficients, ReadOnlySpan<float> rows, int rank,
        Span2D<float> c, TEpilogue epilogue, EngineSettings? settings = null)
        where TEpilogue : struct, IGemmEpilogue
    {
        RequireProductShapes(a, b, c);
        int m = a.Height, n = b.Width, k = a.Width;
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        if (coefficients.Length != k * rank || rows.Length != rank * n)
        {
            throw new ArgumentException($"A rank-{rank} update of a {k}x{n} B needs {k * rank} coefficients and {rank * n} row values; got {coefficients.Length} and {rows.Length}.", nameof(coefficients));
        }

        if (m == 0 || n == 0)
        {
            return;
        }

        settings ??= EngineSettings.Default;
        int lda = RowStride(a), ldb = RowStride(b), ldc = RowStride(c);
        fixed (float* pa = &a.DangerousGetReference())
        fixed (float* pb = &b.DangerousGetReference())
        fixed (float* pc = &c.DangerousGetReference())
        fixed (float* pu = coefficients)
        fixed (float* pv = rows)
        {
            var problem = new Problem(m, n, k, pa, lda, pb, ldb, pc, ldc) { UpdateRank = rank, UpdateCoefficients = pu, UpdateRows = pv };
            Run(problem, epilogue, settings);
        }
    }

    private static void RequireProductShapes(ReadOnlySpan2D<float> a, ReadOnlySpan2D<float> b, Span2D<float> c)
    {
        if (a.Width != b.Height)
        {
            throw new ArgumentException($"Inner dimensions differ: A is {a.Height}x{a.Width}, B is {b.Height}x{b.Width}.", nameof(b));
        }

        if (c.Height != a.Height || c.Width != b.Width)
        {
            throw new ArgumentException($"C is {c.Height}x{c.Width}; A·B is {a.Height}x{b.Width}.", nameof(c));
        }
    }

    private static void Run<TEpilogue>(Problem problem, TEpilogue epilogue, EngineSettings settings)
        where TEpilogue : struct, IGemmEpilogue
    {
        var kernel = new RunKernel<TEpilogue>(problem, epilogue, settings.ResolvedThreads);
        LaneDispatch.Run(NarrowForWidth(settings.ResolvedPath, problem.N), ref kernel);
    }

    /// <summary>
    /// A narrow C (the 10-class output layer) would waste most of a wide panel on zero padding; a narrower
    /// accelerated path then does less work. Safe because every path computes the same bits.
    /// </summary>
    internal static KernelPath NarrowForWidth(KernelPath path, int n)
    {
        while (path > KernelPath.Vector128 && n <= PanelWidth(path) / 2 && KernelRegistry.IsAccelerated(path - 1))
        {
            path--;
        }

        return path;
    }

    /// <summary>The first 64-byte boundary at or after <paramref name="pointer"/> (a stack buffer 15 floats longer than it needs).</summary>
    internal static unsafe float* AlignToLine(float* pointer) => (float*)(((nint)pointer + 63) & ~(nint)63);

    /// <summary>Columns of one packed B panel on <paramref name="path"/>.</summary>
    internal static int PanelWidth(KernelPath path) => TileVectors * LaneDispatch.LaneCount(path);

    /// <summary>Floating-point operations of one multiply (a fused multiply-add counts as two).</summary>
    public static double FlopCount(int m, int n, int k) => 2.0 * m * n * k;

    internal static int RowStride<T>(ReadOnlySpan2D<T> span) => span.Height <= 1
        ? span.Width
        : (int)(Unsafe.ByteOffset(ref Unsafe.AsRef(in span.DangerousGetReferenceAt(0, 0)), ref Unsafe.AsRef(in span.DangerousGetReferenceAt(1, 0))) / Unsafe.SizeOf<T>());

    private static int RowStride<T>(Span2D<T> span) => RowStride((ReadOnlySpan2D<T>)span);

    private static int Extent(int rows, int columns, int stride) => rows == 0 ? 0 : checked(((rows - 1) * stride) + columns);

    private static void Validate(int m, int n, int k, int aLength, int lda, int bLength, int ldb, int cLength, int ldc)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfLessThan(lda, k);
        ArgumentOutOfRangeException.ThrowIfLessThan(ldb, n);
        ArgumentOutOfRangeException.ThrowIfLessThan(ldc, n);
        RequireLength("A", aLength, m, k, lda);
        RequireLength("B", bLength, k, n, ldb);
        RequireLength("C", cLength, m, n, ldc);
    }

    private static void RequireLength(string name, int length, int rows, int columns, int stride)
    {
        long needed = rows == 0 || columns == 0 ? 0 : ((long)(rows - 1) * stride) + columns;
        if (length < needed)
        {
            throw new ArgumentException($"{name} holds {length} floats but a {rows}x{columns} matrix with row stride {stride} needs {needed}.", name);
        }
    }

    /// <summary>The raw operands of one multiply; pointers stay valid while the caller's fixed block runs.</summary>
    /// <remarks>
    /// With <see cref="UpdateRank"/> r &gt; 0 the B that is multiplied is B + U·V, applied while B is packed (see
    /// <see cref="MultiplyLowRankUpdated{TEpilogue}"/>): U is K x r and V is r x N, both contiguous.
    /// </remarks>
    internal readonly unsafe struct Problem(int m, int n, int k, float* a, int lda, float* b, int ldb, float* c, int ldc)
    {
        public readonly int M = m, N = n, K = k, Lda = lda, Ldb = ldb, Ldc = ldc;
        public readonly float* A = a, B = b, C = c;

        public int UpdateRank { get; init; }

        public float* UpdateCoefficients { get; init; }

        public float* UpdateRows { get; init; }
    }

    private readonly struct RunKernel<TEpilogue>(Problem problem, TEpilogue epilogue, int threads) : ILaneKernel<RunKernel<TEpilogue>>
        where TEpilogue : struct, IGemmEpilogue
    {
        private readonly Problem _problem = problem;
        private readonly TEpilogue _epilogue = epilogue;
        private readonly int _threads = threads;

        public static void Run<TLanes, TVector>(ref RunKernel<TEpilogue> kernel)
            where TLanes : struct, IFloatLanes<TVector>
            where TVector : unmanaged => Gemm.Run<TLanes, TVector, TEpilogue>(kernel._problem, kernel._epilogue, kernel._threads);
    }
}
