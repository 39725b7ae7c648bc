namespace CpuLinear.Experiments;

/// <summary>Which random directions in weight space the bottleneck experiment moves along.</summary>
public enum WeightDirectionKind
{
    /// <summary>
    /// Random directions in the tangent space at θ₀: the gradient of Σ αᵢ𝒸·f𝒸(xᵢ) for standard normal α over every
    /// sample and output, in the network's NTK coordinates (the direction one gradient step on a random loss takes).
    /// They move the outputs by O(1) per unit of radius, whatever the width.
    /// </summary>
    Tangent,

    /// <summary>
    /// Isotropic directions: every weight an independent normal, scaled like its initialisation (standard deviation
    /// √(2/fan-in)). A unit of radius moves the outputs by about 1/√(weights) of their size.
    /// </summary>
    Isotropic,
}
