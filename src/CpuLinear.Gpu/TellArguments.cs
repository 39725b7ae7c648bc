using System.Runtime.InteropServices;

namespace CpuLinear.Gpu;

/// <summary>The scalars of one ES update on the device (<see cref="DeviceUpdateKernels.Tell{TMath}"/>), computed on the host as <see cref="Evolution.EvolutionStrategy.Tell"/> computes them.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct TellArguments
{
    /// <summary>λ, the weight decay.</summary>
    public float Decay;

    /// <summary>1: decoupled decay, θ ×= <see cref="Keep"/> first; 0: none.</summary>
    public int Shrink;

    /// <summary>1 − lr·λ (decoupled decay).</summary>
    public float Keep;

    /// <summary>1: the direction is λθ − ĝ (L2); 0: −ĝ.</summary>
    public int L2;

    /// <summary>1: Adam; 0: plain SGD.</summary>
    public int Adam;

    /// <summary>The step size (SGD).</summary>
    public float LearningRate;

    /// <summary>Adam's β₁, β₂, 1 − β₁ and 1 − β₂ (each rounded to float as the host rounds it).</summary>
    public float Beta1, Beta2, OneMinusBeta1, OneMinusBeta2;

    /// <summary>Adam's step size and scaled ε for this step (<see cref="Optimization.AdamOptimizer.StepScalars"/>).</summary>
    public float StepSize, ScaledEpsilon;

    /// <summary>Threads of the launch: each updates parameters X, X + Stride, ….</summary>
    public int Stride;
}
