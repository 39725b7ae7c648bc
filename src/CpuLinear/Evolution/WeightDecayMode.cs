namespace CpuLinear.Evolution;

/// <summary>Where the weight decay λ acts.</summary>
public enum WeightDecayMode
{
    /// <summary>L2 in the direction (−ĝ + λθ), so Adam normalises it together with the estimate (OpenAI's es.py).</summary>
    L2,

    /// <summary>
    /// Decoupled: θ shrinks by the factor (1 − lr·λ) before every step and the optimiser sees −ĝ alone, so the decay's
    /// strength does not depend on how noisy the estimate is.
    /// </summary>
    Decoupled,
}
