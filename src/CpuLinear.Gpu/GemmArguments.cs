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
    /// <summary>Minibatch rows, first-layer width, rank, members per factor pair, parameters per member.</summary>
    public int Rows, N, Rank, MembersPerFactor, ParameterCount;

    /// <summary>Where the first bias starts in a member vector.</summary>
    public int BiasOffset;

    public float InputThreshold, OutputThreshold;
}
