using System.Runtime.InteropServices;

namespace CpuLinear.Gpu;

/// <summary>
/// The scalar arguments of <see cref="DeviceKernels.Gemm{TFma}"/>: one batched multiply
/// <c>C[z] = D_out(D_in(A[z]·B[z]) + bias[z])</c> over z = 0..batch−1.
/// </summary>
/// <remarks>
/// <code>
///   A[z] = a[z·BatchStrideA ..]                       M x K, row-major (stride 0: one input shared by all z)
///   B[z] = b[z·BatchStrideB + OffsetB ..]             K x N, row-major (a layer's weights inside a member vector)
///   bias[z] = bias[z·BatchStrideBias + OffsetBias ..] N values
///   C[z] = c[z·BatchStrideC ..]                       M x N, row-major
/// </code>
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
internal struct GemmArguments
{
    public int M, N, K;
    public long BatchStrideA, BatchStrideB, BatchStrideBias, BatchStrideC;
    public long OffsetB, OffsetBias;

    /// <summary>0: no bias add at all (not the same as adding zeros, which turns −0 into +0).</summary>
    public int HasBias;

    /// <summary>1: the bias is flushed with the input threshold before the add (the network's <c>D(b)</c>).</summary>
    public int FlushBias;

    public float InputThreshold, OutputThreshold;
}

/// <summary>The scalar arguments of <see cref="DeviceKernels.LowRankFirstLayer{TFma}"/>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct LowRankArguments
{
    /// <summary>Minibatch rows, first-layer width, rank, members per factor pair, floats per member vector.</summary>
    public int Rows, N, Rank, MembersPerFactor, ParameterCount;

    /// <summary>Where the first bias starts in θ's layout.</summary>
    public int BiasOffset;

    /// <summary>θ's index of a member vector's first float (0: whole vectors; more when members hold only a tail of θ).</summary>
    public int MemberBase;

    /// <summary>Floats from one factor pair's B to the next (r·width₁ when the B factors lie back to back).</summary>
    public long FactorStride;

    /// <summary>Where the first B starts in the factor buffer.</summary>
    public long FactorBOffset;

    public float InputThreshold, OutputThreshold;
}

/// <summary>
/// The scalar arguments of <see cref="DeviceKernels.PairMemberBias{TFma}"/> and <see cref="DeviceKernels.PairMemberWeights{TFma}"/>:
/// where one layer's pieces lie in a member vector and in a pair's noise vector (<see cref="Evolution.LowRankNoiseLayout"/>).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PairMemberArguments
{
    /// <summary>Floats per member vector and per pair noise vector; the layer's fan-out; the rank.</summary>
    public int ParameterCount, NoiseLength, FanOut, Rank;

    /// <summary>The layer's weights and bias in θ's layout.</summary>
    public int WeightOffset, BiasOffset;

    /// <summary>θ's index of a member vector's first float (0: whole vectors; more when members hold only a tail of θ).</summary>
    public int MemberBase;

    /// <summary>The layer's factors A and B and its bias noise in a pair's noise vector.</summary>
    public int FactorA, FactorB, BiasNoise;

    /// <summary>σ: member 2j gets +σ, member 2j+1 gets −σ.</summary>
    public float Sigma;
}
