using System.Runtime.InteropServices;

namespace CpuLinear.Gpu;

/// <summary>
/// The scalar arguments of the second-layer kernels of unit-subset and later-layer members
/// (<see cref="DevicePopulationKernels"/>): the shapes, where each piece lies in θ and in a pair's noise vector, σ and
/// the first two layers' dead-zone thresholds.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct SubsetArguments
{
    /// <summary>Minibatch rows, first-layer width, second-layer width, rank, units per pair (0: later-layer members).</summary>
    public int Rows, Width, Next, Rank, Units;

    /// <summary>Floats per pair noise vector; its first-layer B, second-layer A and B, and first two bias noises.</summary>
    public int NoiseLength, FactorB0, FactorA1, FactorB1, BiasNoise0, BiasNoise1;

    /// <summary>Where b₁, b₂ and W₂ lie in θ.</summary>
    public int BiasOffset0, BiasOffset1, WeightOffset1;

    /// <summary>σ (member 2j: +σ, 2j+1: −σ) and σ/√r.</summary>
    public float Sigma, FactorScale;

    /// <summary>Dead-zone thresholds of layers 1 and 2 (<see cref="Networks.FusedExecutor.Thresholds"/>).</summary>
    public float Inner0, Outer0, Inner1, Outer1;
}
