namespace CpuLinear.Optimization;

/// <summary>Adam's constants (Kingma and Ba 2015); the defaults are the paper's and TensorFlow's.</summary>
public sealed record AdamSettings
{
    /// <summary>Decay of the first-moment estimate.</summary>
    public float Beta1 { get; init; } = 0.9f;

    /// <summary>Decay of the second-moment estimate.</summary>
    public float Beta2 { get; init; } = 0.999f;

    /// <summary>Added to √v so the step stays finite where a gradient has always been zero.</summary>
    public float Epsilon { get; init; } = 1e-8f;
}
