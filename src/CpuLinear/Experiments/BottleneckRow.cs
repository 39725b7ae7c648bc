using CpuLinear.Networks;

namespace CpuLinear.Experiments;

/// <summary>
/// The expansion of one network's outputs along random directions at one radius and semantics, each size the root
/// mean square over the directions of a Frobenius norm over every sample and output (<see cref="BottleneckExperiment"/>).
/// </summary>
/// <param name="Network">The network's name (one-layer, wide-m, bottleneck1-m, bottleneck2-m).</param>
/// <param name="Architecture">Its widths and scale.</param>
/// <param name="Semantics">The float rules the outputs were computed under.</param>
/// <param name="Directions">The kind of direction.</param>
/// <param name="Radius">R, in NTK norm.</param>
/// <param name="RelativeRadius">R / ‖θ₀‖ (weights, NTK norm).</param>
/// <param name="OutputNorm">‖f(θ₀)‖.</param>
/// <param name="FirstOrder">‖s₁(R)‖ = ‖(f(θ₀+Ru) − f(θ₀−Ru))/2‖: the odd part, c₁R + c₃R³ + …</param>
/// <param name="SecondOrder">‖s₂(R)‖ = ‖(f(θ₀+Ru) + f(θ₀−Ru))/2 − f(θ₀)‖: the even part, c₂R² + c₄R⁴ + …</param>
/// <param name="ThirdOrder">‖s₃(R)‖ = ‖(s₁(2R) − 2·s₁(R))/6‖: c₃R³ + 5c₅R⁵ + …</param>
public sealed record BottleneckRow(
    string Network,
    NetworkArchitecture Architecture,
    FloatSemantics Semantics,
    WeightDirectionKind Directions,
    double Radius,
    double RelativeRadius,
    double OutputNorm,
    double FirstOrder,
    double SecondOrder,
    double ThirdOrder)
{
    /// <summary>‖s₂‖ / ‖s₁‖: how large the second-order term is against the first (0 for a linear map).</summary>
    public double SecondOrderRatio => SecondOrder / FirstOrder;

    /// <summary>‖s₃‖ / ‖s₁‖: how large the third-order term is against the first.</summary>
    public double ThirdOrderRatio => ThirdOrder / FirstOrder;
}
