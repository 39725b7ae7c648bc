using System.Runtime.InteropServices;

namespace CpuLinear.Gpu;

/// <summary>
/// The scalar arguments of the noise kernels (<see cref="DeviceNoiseKernels"/>): which pairs of which generation,
/// where their vectors lie, and which elements a kind keeps at zero.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NoiseArguments
{
    /// <summary>The run's noise seed (the Philox key).</summary>
    public ulong Key;

    /// <summary>The generation g.</summary>
    public ulong Generation;

    /// <summary>The stream index of the launch's pair 0: pair i draws from the stream of (g, FirstStreamPair + i).</summary>
    public int FirstStreamPair;

    /// <summary>Floats in one pair's noise vector (<see cref="Evolution.LowRankNoiseLayout.Length"/>).</summary>
    public int Length;

    /// <summary>Two element ranges [from, to) of every vector held at +0 (a kind's unperturbed pieces; empty when from = to).</summary>
    public int ZeroFrom0, ZeroTo0, ZeroFrom1, ZeroTo1;

    /// <summary>Unit subsets: the first layer's width, units per pair and rank.</summary>
    public int Width, Units, Rank;

    /// <summary>Unit subsets: where the first layer's B and bias noise start in a vector.</summary>
    public int FactorB0, BiasNoise0;

    /// <summary>Unit subsets: √(width/units), the scale of the kept first-layer noise.</summary>
    public float UnitScale;
}
