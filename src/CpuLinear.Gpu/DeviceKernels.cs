using ILGPU;

namespace CpuLinear.Gpu;

/// <summary>
/// The device kernels. Each thread owns one output element, so nothing is shared, nothing is reduced across
/// threads, and the order of every float operation is fixed by the code below, not by the launch shape.
/// </summary>
internal static class DeviceKernels
{
    /// <summary>Threads per group along each axis of <see cref="Gemm{TFma}"/>.</summary>
    public const int GemmGroupSide = 16;

    /// <summary>Output rows and columns per group of <see cref="Gemm{TFma}"/> (each thread owns a 4 x 4 block of them).</summary>
    public const int GemmTile = 64;

    /// <summary>Depth of the k-slices <see cref="Gemm{TFma}"/> stages in shared memory.</summary>
    public const int GemmDepth = 16;

    /// <summary>
    /// A batched GEMM with the fused bias and dead-zone epilogue, <c>C[z] = D_out(D_in(A[z]·B[z]) + bias[z])</c>.
    /// Explicitly grouped: group (x, y) of grid z computes the 64 x 64 block of C[z] at rows 64y, columns 64x,
    /// with 16 x 16 threads, thread (tx, ty) owning rows ty + 16i and columns tx + 16j (i, j &lt; 4), so adjacent
    /// threads read adjacent B and write adjacent C. A and B pass through shared memory 16 k-values at a time.
    /// </summary>
    /// <remarks>
    /// Staging changes where operands are read from, not the arithmetic: each output is still one FMA chain over
    /// k in increasing order starting from +0 (never split over k, never a tree), the CPU engine's contract, so
    /// the bits equal <see cref="Kernels.Gemm"/>'s. The last k-slice stops at K rather than padding with zeros.
    /// The epilogue is the scalar form of <see cref="Kernels.DeadZone.AddBias"/>: <c>D_out(D_in(acc) + bias)</c>.
    /// </remarks>
    public static void Gemm<TFma>(ArrayView<float> a, ArrayView<float> b, ArrayView<float> bias, ArrayView<float> c, GemmArguments args)
        where TFma : struct, IFusedMultiplyAdd
    {
        ArrayView<float> tileA = SharedMemory.Allocate<float>(GemmDepth * GemmTile); // [kk, row]
        ArrayView<float> tileB = SharedMemory.Allocate<float>(GemmDepth * GemmTile); // [kk, column]
        int tx = Group.IdxX, ty = Group.IdxY, thread = (ty * GemmGroupSide) + tx;
        int rowBase = Grid.IdxY * GemmTile, columnBase = Grid.IdxX * GemmTile;
        long member = Grid.IdxZ;
        long aBase = member * args.BatchStrideA;
        long bBase = (member * args.BatchStrideB) + args.OffsetB;
        TFma fma = default;

        // Registers: acc[i, j] for row ty + 16i, column tx + 16j.
        float c00 = 0f, c01 = 0f, c02 = 0f, c03 = 0f, c10 = 0f, c11 = 0f, c12 = 0f, c13 = 0f;
        float c20 = 0f, c21 = 0f, c22 = 0f, c23 = 0f, c30 = 0f, c31 = 0f, c32 = 0f, c33 = 0f;
        for (int k0 = 0; k0 < args.K; k0 += GemmDepth)
        {
            int depth = Math.Min(GemmDepth, args.K - k0);
            for (int e = thread; e < GemmDepth * GemmTile; e += GemmGroupSide * GemmGroupSide)
            {
                // A: 64 rows x 16 k (k fastest, so a row's 16 values are read together); B: 16 k x 64 columns.
                int aRow = e / GemmDepth, aK = e % GemmDepth;
                int row = rowBase + aRow;
                tileA[(aK * GemmTile) + aRow] = row < args.M && aK < depth ? a[aBase + ((long)row * args.K) + k0 + aK] : 0f;
                int bK = e / GemmTile, bColumn = e % GemmTile;
                int column = columnBase + bColumn;
                tileB[e] = column < args.N && bK < depth ? b[bBase + ((long)(k0 + bK) * args.N) + column] : 0f;
            }

            Group.Barrier();
            int kk = 0;
            for (; kk + 4 <= depth; kk += 4)
            {
                // Four k-steps per chain call: a row's A values and a column's B values for k0+kk .. k0+kk+3.
                int at = kk * GemmTile;
                float a00 = tileA[at + ty], a01 = tileA[at + GemmTile + ty], a02 = tileA[at + (2 * GemmTile) + ty], a03 = tileA[at + (3 * GemmTile) + ty];
                float a10 = tileA[at + ty + 16], a11 = tileA[at + GemmTile + ty + 16], a12 = tileA[at + (2 * GemmTile) + ty + 16], a13 = tileA[at + (3 * GemmTile) + ty + 16];
                float a20 = tileA[at + ty + 32], a21 = tileA[at + GemmTile + ty + 32], a22 = tileA[at + (2 * GemmTile) + ty + 32], a23 = tileA[at + (3 * GemmTile) + ty + 32];
                float a30 = tileA[at + ty + 48], a31 = tileA[at + GemmTile + ty + 48], a32 = tileA[at + (2 * GemmTile) + ty + 48], a33 = tileA[at + (3 * GemmTile) + ty + 48];
                float b00 = tileB[at + tx], b01 = tileB[at + GemmTile + tx], b02 = tileB[at + (2 * GemmTile) + tx], b03 = tileB[at + (3 * GemmTile) + tx];
                float b10 = tileB[at + tx + 16], b11 = tileB[at + GemmTile + tx + 16], b12 = tileB[at + (2 * GemmTile) + tx + 16], b13 = tileB[at + (3 * GemmTile) + tx + 16];
                float b20 = tileB[at + tx + 32], b21 = tileB[at + GemmTile + tx + 32], b22 = tileB[at + (2 * GemmTile) + tx + 32], b23 = tileB[at + (3 * GemmTile) + tx + 32];
                float b30 = tileB[at + tx + 48], b31 = tileB[at + GemmTile + tx + 48], b32 = tileB[at + (2 * GemmTile) + tx + 48], b33 = tileB[at + (3 * GemmTile) + tx + 48];
                c00 = fma.Chain4(c00, a00, b00, a01, b01, a02, b02, a03, b03); c01 = fma.Chain4(c01, a00, b10, a01, b11, a02, b12, a03, b13);
                c02 = fma.Chain4(c02, a00, b20, a01, b21, a02, b22, a03, b23); c03 = fma.Chain4(c03, a00, b30, a01, b31, a02, b32, a03, b33);
                c10 = fma.Chain4(c10, a10, b00, a11, b01, a12, b02, a13, b03); c11 = fma.Chain4(c11, a10, b10, a11, b11, a12, b12, a13, b13);
                c12 = fma.Chain4(c12, a10, b20, a11, b21, a12, b22, a13, b23); c13 = fma.Chain4(c13, a10, b30, a11, b31, a12, b32, a13, b33);
                c20 = fma.Chain4(c20, a20, b00, a21, b01, a22, b02, a23, b03); c21 = fma.Chain4(c21, a20, b10, a21, b11, a22, b12, a23, b13);
                c22 = fma.Chain4(c22, a20, b20, a21, b21, a22, b22, a23, b23); c23 = fma.Chain4(c23, a20, b30, a21, b31, a22, b32, a23, b33);
                c30 = fma.Chain4(c30, a30, b00, a31, b01, a32, b02, a33, b03); c31 = fma.Chain4(c31, a30, b10, a31, b11, a32, b12, a33, b13);
                c32 = fma.Chain4(c32, a30, b20, a31, b21, a32, b22, a33, b23); c33 = fma.Chain4(c33, a30, b30, a31, b31, a32, b32, a33, b33);
            }

            for (; kk < depth; kk++)
            {
                int at = kk * GemmTile;
                float a0 = tileA[at + ty], a1 = tileA[at + ty + 16], a2 = tileA[at + ty + 32], a3 = tileA[at + ty + 48];
                float b0 = tileB[at + tx], b1 = tileB[at + tx + 16], b2 = tileB[at + tx + 32], b3 = tileB[at + tx + 48];
                c00 = fma.Apply(a0, b0, c00); c01 = fma.Apply(a0, b1, c01); c02 = fma.Apply(a0, b2, c02); c03 = fma.Apply(a0, b3, c03);
                c10 = fma.Apply(a1, b0, c10); c11 = fma.Apply(a1, b1, c11); c12 = fma.Apply(a1, b2, c12); c13 = fma.Apply(a1, b3, c13);
                c20 = fma.Apply(a2, b0, c20); c21 = fma.Apply(a2, b1, c21); c22 = fma.Apply(a2, b2, c22); c23 = fma.Apply(a2, b3, c23);
                c30 = fma.Apply(a3, b0, c30); c31 = fma.Apply(a3, b1, c31); c32 = fma.Apply(a3, b2, c32); c33 = fma.Apply(a3, b3, c33);
            }

            Group.Barrier();
        }

        int r = rowBase + ty, col = columnBase + tx;
        StoreGemmOutput(c, bias, args, member, r, col, c00); StoreGemmOutput(c, bias, args, member, r, col + 16, c01);
        StoreGemmOutput(c, bias, args, member, r, col + 32, c02); StoreGemmOutput(c, bias, args, member, r, col + 48, c03);
        StoreGemmOutput(c, bias, args, member, r + 16, col, c10); StoreGemmOutput(c, bias, args, member, r + 16, col + 16, c11);
        StoreGemmOutput(c, bias, args, member, r + 16, col + 32, c12); StoreGemmOutput(c, bias, args, member, r + 16, col + 48, c13);
        StoreGemmOutput(c, bias, args, member, r + 32, col, c20); StoreGemmOutput(c, bias, args, member, r + 32, col + 16, c21);
        StoreGemmOutput(c, bias, args, member, r + 32, col + 32, c22); StoreGemmOutput(c, bias, args, member, r + 32, col + 48, c23);
        StoreGemmOutput(c, bias, args, member, r + 48, col, c30); StoreGemmOutput(c, bias, args, member, r + 48, col + 16, c31);
        StoreGemmOutput(c, bias, args, member, r + 48, col + 32, c32); StoreGemmOutput(c, bias, args, member, r + 48, col + 48, c33);
    }

    // The epilogue of one GEMM output, skipped outside C.
    private static void StoreGemmOutput(ArrayView<float> c, ArrayView<float> bias, GemmArguments args, long member, int row, int column, float accumulator)
    {
        if (row >= args.M || column >= args.N)
        {
            return;
        }

        float value = DeadZone(accumulator, args.InputThreshold);
        if (args.HasBias != 0)
        {
            float beta = bias[(member * args.BatchStrideBias) + args.OffsetBias + column];
            value += args.FlushBias != 0 ? DeadZone(beta, args.InputThreshold) : beta;
        }

        c[(member * args.BatchStrideC) + ((long)row * args.N) + column] = DeadZone(value, args.OutputThreshold);
    }

    /// <summary>
    /// One element of an ES member's low-rank first layer (X column, Y row, Z member):
    /// <c>D_out(D_in(acc) + D_in(b₁))</c> with acc starting at the shared product <c>x·W₁</c> and gaining
    /// <c>fma(scale·(x·A)[row, t], B[t, column], acc)</c> for t = 0..r−1 in increasing order, exactly the CPU
    /// trainer's sequence (<see cref="Networks.LowRankFirstLayer"/>).
    /// </summary>
    public static void LowRankFirstLayer<TFma>(
        Index3D index, ArrayView<float> shared, ArrayView<float> projection, ArrayView<float> factorsB, ArrayView<float> scales,
        ArrayView<float> members, ArrayView<float> output, LowRankArguments args)
        where TFma : struct, IFusedMultiplyAdd
    {
        int column = index.X, row = index.Y;
        long member = index.Z;
        long factor = member / args.MembersPerFactor;
        TFma fma = default;
        float scale = scales[member];
        float accumulator = shared[((long)row * args.N) + column];
        long projectionRow = (factor * args.Rows * args.Rank) + ((long)row * args.Rank);
        long bColumn = (factor * args.FactorStride) + args.FactorBOffset + column;
        for (int t = 0; t < args.Rank; t++)
        {
            float c = scale * projection[projectionRow + t];
            accumulator = fma.Apply(c, factorsB[bColumn + ((long)t * args.N)], accumulator);
        }

        float beta = members[(member * args.ParameterCount) + args.BiasOffset - args.MemberBase + column];
        float value = DeadZone(accumulator, args.InputThreshold) + DeadZone(beta, args.InputThreshold);
        output[(member * args.Rows * args.N) + ((long)row * args.N) + column] = DeadZone(value, args.OutputThreshold);
    }

    /// <summary>
    /// One bias of an antithetic low-rank member (X the column, Y the member; pair m / 2, sign + for even m):
    /// <c>b[c] = fma(ε_b[c], ±σ, θ_b[c])</c>, as <see cref="Evolution.LowRankNoiseLayout.WriteMember"/> writes it.
    /// </summary>
    public static void PairMemberBias<TFma>(Index2D index, ArrayView<float> centre, ArrayView<float> noise, ArrayView<float> members, PairMemberArguments args)
        where TFma : struct, IFusedMultiplyAdd
    {
        int column = index.X;
        long member = index.Y;
        float scale = (member & 1) == 0 ? args.Sigma : -args.Sigma;
        float epsilon = noise[((member >> 1) * args.NoiseLength) + args.BiasNoise + column];
        members[(member * args.ParameterCount) + args.BiasOffset - args.MemberBase + column] = default(TFma).Apply(epsilon, scale, centre[args.BiasOffset + column]);
    }

    /// <summary>
    /// One weight of an antithetic low-rank member's later layer (X the column c, Y the row i, Z the member):
    /// w starts at θ's and gains <c>fma(scales[m]·A[i, t], B[t, c], w)</c> for t = 0..r−1 in increasing order, the
    /// product rounded first, as <see cref="Evolution.LowRankNoiseLayout.WriteMember"/> writes it (scales[m] = ±σ/√r).
    /// </summary>
    public static void PairMemberWeights<TFma>(Index3D index, ArrayView<float> centre, ArrayView<float> noise, ArrayView<float> scales, ArrayView<float> members, PairMemberArguments args)
        where TFma : struct, IFusedMultiplyAdd
    {
        int column = index.X, row = index.Y;
        long member = index.Z;
        long pair = (member >> 1) * args.NoiseLength;
        long at = args.WeightOffset + ((long)row * args.FanOut) + column;
        long aRow = pair + args.FactorA + ((long)row * args.Rank);
        long bColumn = pair + args.FactorB + column;
        float scale = scales[member];
        TFma fma = default;
        float accumulator = centre[at];
        for (int t = 0; t < args.Rank; t++)
        {
            float c = scale * noise[aRow + t];
            accumulator = fma.Apply(c, noise[bColumn + ((long)t * args.FanOut)], accumulator);
        }

        members[(member * args.ParameterCount) + at - args.MemberBase] = accumulator;
    }

    /// <summary><c>values[i] = D_t(values[i])</c>.</summary>
    public static void DeadZoneInPlace(Index1D index, ArrayView<float> values, float threshold) =>
        values[index] = DeadZone(values[index], threshold);

    /// <summary><c>values[r, j] = D_out(D_in(values[r, j]) + bias[j])</c> over row-major rows of <c>bias.Length</c> columns.</summary>
    public static void AddBiasDeadZone(Index1D index, ArrayView<float> values, ArrayView<float> bias, float inputThreshold, float outputThreshold)
    {
        int column = (int)(index % bias.Length);
        values[index] = DeadZone(DeadZone(values[index], inputThreshold) + bias[column], outputThreshold);
    }

    /// <summary>
    /// <c>members[z, i] = base[i] + members[z, i]</c>: turns perturbations into member parameter vectors with
    /// one float32 add each, the same rounding as the CPU backend's host-side add. X is the parameter, Y the member.
    /// </summary>
    public static void AddBase(Index2D index, ArrayView<float> members, ArrayView<float> baseParameters)
    {
        long at = ((long)index.Y * baseParameters.Length) + index.X;
        members[at] = baseParameters[index.X] + members[at];
    }

    /// <summary>
    /// <c>D_t(v) = |v| &lt; t ? ±0 : v</c> by compare and select, as <see cref="Kernels.DeadZone"/> computes it: the
    /// sign bit is kept, NaN fails the compare and passes through, and no device flush-to-zero is involved
    /// (so a subnormal is flushed only because the threshold says so).
    /// </summary>
    public static float DeadZone(float value, float threshold) =>
        Math.Abs(value) < threshold ? Interop.IntAsFloat(Interop.FloatAsInt(value) & 0x8000_0000u) : value;
}
