using ILGPU;

namespace CpuLinear.Gpu;

/// <summary>
/// The device kernels. Each thread owns one output element, so nothing is shared, nothing is reduced across
/// threads, and the order of every float operation is fixed by the code below, not by the launch shape.
/// </summary>
internal static class DeviceKernels
{
    /// <summary>
    /// One element of a batched GEMM with the fused bias and dead-zone epilogue. Index X is the column (adjacent
    /// threads read adjacent B and write adjacent C: coalesced on a GPU), Y the row, Z the batch member.
    /// </summary>
    /// <remarks>
    /// The accumulator is one FMA chain over k in increasing order starting from +0, the CPU engine's contract
    /// (never split over k, never a tree), so the bits equal <see cref="Kernels.Gemm"/>'s. The epilogue is the
    /// scalar form of <see cref="Kernels.DeadZone.AddBias"/>: <c>D_out(D_in(acc) + bias)</c>.
    /// </remarks>
    public static void Gemm<TFma>(Index3D index, ArrayView<float> a, ArrayView<float> b, ArrayView<float> bias, ArrayView<float> c, GemmArguments args)
        where TFma : struct, IFusedMultiplyAdd
    {
        int column = index.X, row = index.Y;
        long member = index.Z;
        long aRow = (member * args.BatchStrideA) + ((long)row * args.K);
        long bColumn = (member * args.BatchStrideB) + args.OffsetB + column;
        TFma fma = default;
        float accumulator = 0f;
        for (int p = 0; p < args.K; p++)
        {
            accumulator = fma.Apply(a[aRow + p], b[bColumn + ((long)p * args.N)], accumulator);
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
    /// trainer's sequence (<see cref="Evolution.EvolutionTrainer"/>).
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

        float beta = members[(member * args.ParameterCount) + args.BiasOffset + column];
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
        members[(member * args.ParameterCount) + args.BiasOffset + column] = default(TFma).Apply(epsilon, scale, centre[args.BiasOffset + column]);
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

        members[(member * args.ParameterCount) + at] = accumulator;
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
