using System.Runtime.CompilerServices;
using CommunityToolkit.HighPerformance;
using CpuLinear.Simd;

namespace CpuLinear.Kernels;

/// <summary>
/// A narrow layer (the 10-class output of the blog's network) that <see cref="WeightedRowSum"/> computes on each
/// block of its output rows as soon as the block is finished, while those rows are still in L1:
/// <c>out[i, :] = D_out(D_in(h[i, :]·W') + bias)</c>, W' = W + U·V (a member's rank-r update).
/// </summary>
/// <remarks>
/// <para>
/// Why: an ES member that perturbs one or two of the network's layers gets its second layer from
/// <see cref="WeightedRowSum"/> and then multiplies those rows (rows x 512, half a megabyte) by its last layer. As a
/// separate GEMM that is a second pass over rows that have left L1 and, with θ's shared product beside them, L2.
/// Fused, each block of six rows is multiplied while it is hot.
/// </para>
/// <para>
/// Bits: exactly <see cref="Gemm.MultiplyLowRankUpdated{TEpilogue}"/> with a <see cref="BiasDeadZoneEpilogue"/>, on
/// any path: W'[k, j] = fma(V[t, j], U[k, t], W[k, j]) for t increasing (<see cref="Pack"/>), each output one fma
/// chain from +0 over k increasing, then the epilogue. The panels are the GEMM's for the path it would use
/// (<see cref="PathFor"/>), and the same micro-kernels run them, or, on 512-bit lanes, <see cref="Gemm.MicroKernel6x4{TLanes, TVector}"/>
/// over two adjacent panels at once: the same chains, twice the multiply-adds per load of A.
/// </para>
/// </remarks>
public readonly ref struct FollowingLayer
{
    /// <summary>Describes the layer; <paramref name="packed"/> comes from <see cref="Pack"/> on the same <paramref name="path"/>.</summary>
    /// <param name="packed">W' packed by <see cref="Pack"/>.</param>
    /// <param name="depth">K: the rows of W, the columns of the rows it multiplies.</param>
    /// <param name="outputs">N: the columns of W.</param>
    /// <param name="path">The kernel path <see cref="PathFor"/> gave.</param>
    /// <param name="bias">D_in(b), at least N values.</param>
    /// <param name="inputThreshold">D_in, applied to the product before the bias.</param>
    /// <param name="outputThreshold">D_out, applied after the bias.</param>
    /// <param name="destination">The output, rows x N, row-major.</param>
    /// <param name="lanes">
    /// The caller's kernel path. When it is <see cref="KernelPath.Vector512"/> and the layer has at most 16 outputs packed
    /// for the 256-bit path (one 16-column panel), the panel runs with one 512-bit vector per row instead: the same
    /// chains, twice the columns per instruction.
    /// </param>
    /// <exception cref="ArgumentException">The packed panels or the bias are too short for K and N.</exception>
    public FollowingLayer(
        ReadOnlySpan<float> packed, int depth, int outputs, KernelPath path, ReadOnlySpan<float> bias, float inputThreshold, float outputThreshold, Span<float> destination,
        KernelPath lanes = KernelPath.Scalar)
    {
        if (depth <= 0 || outputs <= 0 || packed.Length < PackedLength(depth, outputs, path) || bias.Length < outputs || destination.Length % outputs != 0)
        {
            throw new ArgumentException(
                $"A {depth}x{outputs} following layer needs {PackedLength(depth, outputs, path)} packed values, {outputs} bias values and whole output rows; got {packed.Length}, {bias.Length} and {destination.Length}.");
        }

        Packed = packed;
        Depth = depth;
        Outputs = outputs;
        Path = path;
        Bias = bias;
        InputThreshold = inputThreshold;
        OutputThreshold = outputThreshold;
        Destination = destination;
        OneWideVector = lanes == KernelPath.Vector512 && path == KernelPath.Vector256 && outputs <= Gemm.PanelWidth(KernelPath.Vector256)
            && Gemm.PanelWidth(KernelPath.Vector256) == LaneDispatch.LaneCount(KernelPath.Vector512);
    }

    /// <summary>W' in the GEMM's panels.</summary>
    public ReadOnlySpan<float> Packed { get; }

    /// <summary>K.</summary>
    public int Depth { get; }

    /// <summary>N.</summary>
    public int Outputs { get; }

    /// <summary>The path of the panels and micro-kernels.</summary>
    public KernelPath Path { get; }

    /// <summary>D_in(b).</summary>
    public ReadOnlySpan<float> Bias { get; }

    /// <summary>D_in.</summary>
    public float InputThreshold { get; }

    /// <summary>D_out.</summary>
    public float OutputThreshold { get; }

    /// <summary>The output rows.</summary>
    public Span<float> Destination { get; }

    /// <summary>Whether the one 16-column panel runs with one 512-bit vector per row.</summary>
    public bool OneWideVector { get; }

    /// <summary>
    /// Computes the output rows from <paramref name="source"/> (rows x K, row-major) on the calling thread: the bits
    /// of the fused route and of the GEMM. With <paramref name="padToTile"/> up to five more rows are read from the
    /// source and written to <see cref="Destination"/> (the caller's scratch), so every row block runs the six-row
    /// micro-kernel.
    /// </summary>
    /// <param name="source">The input rows.</param>
    /// <param name="rows">How many rows to compute.</param>
    /// <param name="padToTile">Round <paramref name="rows"/> up to whole six-row tiles (the buffers must hold them).</param>
    /// <exception cref="ArgumentException">The buffers are too short.</exception>
    public unsafe void Apply(ReadOnlySpan<float> source, int rows, bool padToTile = false)
    {
        int computed = padToTile ? PaddedRows(rows) : rows;
        if (rows < 0 || source.Length < (long)computed * Depth || Destination.Length < (long)computed * Outputs)
        {
            throw new ArgumentException($"{computed} rows of a {Depth}x{Outputs} layer need {(long)computed * Depth} input and {(long)computed * Outputs} output values; got {source.Length} and {Destination.Length}.", nameof(source));
        }

        fixed (float* packed = Packed)
        fixed (float* bias = Bias)
        fixed (float* destination = Destination)
        fixed (float* input = source)
        {
            var layer = new Pointers(packed, Depth, Outputs, Path, bias, InputThreshold, OutputThreshold, destination);
            if (OneWideVector)
            {
                layer.RowsOneWideVector(input, 0, computed);
            }
            else
            {
                layer.Rows(input, 0, computed);
            }
        }
    }

    /// <summary>The rows <see cref="Apply"/> computes for <paramref name="rows"/> with padToTile: whole six-row tiles.</summary>
    public static int PaddedRows(int rows) => (rows + Gemm.TileRows - 1) / Gemm.TileRows * Gemm.TileRows;

    /// <summary>Whether this describes a layer (the default value does not).</summary>
    public bool IsPresent => Depth > 0;

    /// <summary>The path the GEMM would run a layer of <paramref name="outputs"/> columns on, from <paramref name="path"/>.</summary>
    public static KernelPath PathFor(KernelPath path, int outputs) => Gemm.NarrowForWidth(path, outputs);

    /// <summary>Floats <see cref="Pack"/> writes for a K x N layer on <paramref name="path"/>.</summary>
    public static int PackedLength(int depth, int outputs, KernelPath path)
    {
        int panelWidth = Gemm.PanelWidth(path);
        return checked((outputs + panelWidth - 1) / panelWidth * depth * panelWidth);
    }

    /// <summary>
    /// Packs W' = W + U·V into the GEMM's k-major panels for <paramref name="path"/>, zero-padded, exactly as
    /// <see cref="Gemm.MultiplyLowRankUpdated{TEpilogue}"/> packs it.
    /// </summary>
    /// <param name="weights">W, K x N.</param>
    /// <param name="coefficients">U, K x r, row-major.</param>
    /// <param name="rows">V, r x N, row-major.</param>
    /// <param name="rank">r (0: W itself).</param>
    /// <param name="path">The path from <see cref="PathFor"/>.</param>
    /// <param name="packed">At least <see cref="PackedLength"/> floats.</param>
    /// <exception cref="ArgumentException">The shapes do not agree.</exception>
    public static unsafe void Pack(ReadOnlySpan2D<float> weights, ReadOnlySpan<float> coefficients, ReadOnlySpan<float> rows, int rank, KernelPath path, Span<float> packed)
    {
        int k = weights.Height, n = weights.Width, panelWidth = Gemm.PanelWidth(path);
        if (rank < 0 || coefficients.Length < k * rank || rows.Length < rank * n || packed.Length < PackedLength(k, n, path))
        {
            throw new ArgumentException($"A rank-{rank} update of a {k}x{n} W needs {k * rank} coefficients, {rank * n} row values and {PackedLength(k, n, path)} packed values; got {coefficients.Length}, {rows.Length} and {packed.Length}.");
        }

        if (k == 0 || n == 0)
        {
            return;
        }

        fixed (float* pb = &weights.DangerousGetReference())
        fixed (float* pu = coefficients)
        fixed (float* pv = rows)
        fixed (float* destination = packed)
        {
            var problem = new Gemm.Problem(0, n, k, null, k, pb, Gemm.RowStride(weights), null, n) { UpdateRank = rank, UpdateCoefficients = pu, UpdateRows = pv };
            var panels = new Gemm.PackPanels(problem, destination, panelWidth);
            for (int p = 0; p < (n + panelWidth - 1) / panelWidth; p++)
            {
                panels.Run(p);
            }
        }
    }

    /// <summary>The layer's raw operands, valid while the caller's fixed block runs.</summary>
    internal readonly unsafe struct Pointers(float* packed, int depth, int outputs, KernelPath path, float* bias, float inputThreshold, float outputThreshold, float* destination)
    {
        public readonly float* Packed = packed, Bias = bias, Destination = destination;
        public readonly int Depth = depth, Outputs = outputs;
        public readonly KernelPath Path = path;
        public readonly float InputThreshold = inputThreshold, OutputThreshold = outputThreshold;

        public bool IsPresent => Packed != null;

        /// <summary>Output rows first..first+count from rows of <paramref name="source"/> (stride K).</summary>
        public void Rows(float* source, int first, int count)
        {
            var kernel = new RowsKernel(this, source, first, count);
            LaneDispatch.Run(Path, ref kernel);
        }

        /// <summary>As <see cref="Rows"/>, for one 16-column panel on 512-bit lanes (the caller checked both).</summary>
        [SkipLocalsInit]
        public void RowsOneWideVector(float* source, int first, int count)
        {
            const int Width = 16, Block = 12;
            int k = Depth, n = Outputs, end = first + count;
            float* raw = stackalloc float[(Block * Width) + 15];
            float* tile = Gemm.AlignToLine(raw);
            for (int row = first; row < end; row += Block)
            {
                int rows = Math.Min(Block, end - row);
                float* a = source + ((nint)row * k);
                if (rows == Block)
                {
                    Gemm.MicroKernel12x1<Vector512Lanes, System.Runtime.Intrinsics.Vector512<float>>(a, k, Packed, tile, Width, k);
                }
                else
                {
                    for (int r = 0; r < rows; r++)
                    {
                        Gemm.MicroKernel1x1<Vector512Lanes, System.Runtime.Intrinsics.Vector512<float>>(a + ((nint)r * k), Packed, tile + (r * Width), k);
                    }
                }

                for (int r = 0; r < rows; r++)
                {
                    // The bias add and dead zones of DeadZone.AddBias, in these lanes.
                    DeadZone.Add<Vector512Lanes, System.Runtime.Intrinsics.Vector512<float>>(tile + (r * Width), Bias, Destination + ((nint)(row + r) * n), n, (InputThreshold, 0f, OutputThreshold));
                }
            }
        }
    }

    private readonly unsafe struct RowsKernel(Pointers layer, float* source, int first, int count) : ILaneKernel<RowsKernel>
    {
        [SkipLocalsInit]
        public static void Run<TLanes, TVector>(ref RowsKernel kernel)
            where TLanes : struct, IFloatLanes<TVector>
            where TVector : unmanaged
        {
            Pointers p = kernel.Layer;
            int panelWidth = Gemm.TileVectors * TLanes.Count, k = p.Depth, n = p.Outputs, end = kernel.First + kernel.Count;
            // The micro-kernels write whole panels; a narrower last panel goes through this tile, as in the GEMM.
            // On a cache line, so the micro-kernel's whole-vector stores and the epilogue's loads do not straddle two.
            float* raw = stackalloc float[(Gemm.TileRows * 2 * Gemm.TileVectors * 16) + 15];
            float* tile = Gemm.AlignToLine(raw);
            for (int column = 0, panel = 0; column < n;)
            {
                // Two whole panels at once where the lanes have the registers for 24 accumulators (512-bit: 32 of them).
                bool pair = TLanes.Count == 16 && column + (2 * panelWidth) <= n;
                int tileWidth = pair ? 2 * panelWidth : panelWidth;
                int width = Math.Min(tileWidth, n - column);
                float* sliver = p.Packed + ((nint)panel * k * panelWidth);
                for (int row = kernel.First; row < end; row += Gemm.TileRows)
                {
                    int rows = Math.Min(Gemm.TileRows, end - row);
                    float* a = kernel.Source + ((nint)row * k);
                    if (rows == Gemm.TileRows && pair)
                    {
                        Gemm.MicroKernel6x4<TLanes, TVector>(a, k, sliver, sliver + ((nint)k * panelWidth), tile, tileWidth, k);
                    }
                    else if (rows == Gemm.TileRows)
                    {
                        Gemm.MicroKernel6<TLanes, TVector>(a, k, sliver, tile, tileWidth, k, resume: false);
                    }
                    else
                    {
                        for (int r = 0; r < rows; r++)
                        {
                            Gemm.MicroKernel1<TLanes, TVector>(a + ((nint)r * k), sliver, tile + (r * tileWidth), k, resume: false);
                            if (pair)
                            {
                                Gemm.MicroKernel1<TLanes, TVector>(a + ((nint)r * k), sliver + ((nint)k * panelWidth), tile + (r * tileWidth) + panelWidth, k, resume: false);
                            }
                        }
                    }

                    for (int r = 0; r < rows; r++)
                    {
                        // The bias add and dead zones of DeadZone.AddBias, in the micro-kernel's own lanes.
                        DeadZone.Add<TLanes, TVector>(tile + (r * tileWidth), p.Bias + column, p.Destination + ((nint)(row + r) * n) + column, width, (p.InputThreshold, 0f, p.OutputThreshold));
                    }
                }

                column += tileWidth;
                panel += pair ? 2 : 1;
            }
        }

        private Pointers Layer { get; } = layer;

        private float* Source { get; } = source;

        private int First { get; } = first;

        private int Count { get; } = count;
    }
}
