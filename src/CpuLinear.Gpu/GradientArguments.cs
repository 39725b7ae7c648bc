using System.Runtime.InteropServices;

namespace CpuLinear.Gpu;

/// <summary>
/// The scalar arguments of one layer's part of the gradient estimate over one chunk of pairs
/// (<see cref="DeviceUpdateKernels"/>): where the layer's factors and bias noise lie in a pair's vector, where its
/// weights and bias lie in ĝ, and whether the chunk continues the chains of the chunks before it.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct GradientArguments
{
    /// <summary>The layer's fan-in and fan-out, the rank, the chunk's pairs and the floats per pair vector.</summary>
    public int FanIn, FanOut, Rank, Pairs, NoiseLength;

    /// <summary>The layer's factor A, factor B and bias noise in a pair's vector.</summary>
    public int FactorA, FactorB, BiasNoise;

    /// <summary>The layer's weights and bias in ĝ.</summary>
    public int WeightOffset, BiasOffset;

    /// <summary>1: add to the chains the earlier chunks left in ĝ; 0: start every chain at +0.</summary>
    public int Continue;

    /// <summary>Threads of the launch: each handles elements X, X + Stride, ….</summary>
    public int Stride;
}
