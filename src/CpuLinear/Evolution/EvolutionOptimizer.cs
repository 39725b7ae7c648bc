namespace CpuLinear.Evolution;

/// <summary>How <see cref="EvolutionStrategy.Tell"/> turns the update direction into a step.</summary>
public enum EvolutionOptimizer
{
    /// <summary>Adam on the direction (OpenAI-ES's choice): each parameter's step is normalised by its own history.</summary>
    Adam,

    /// <summary>Plain SGD: θ −= lr·direction, no momentum and no normalisation (the step scales with the estimate).</summary>
    Sgd,
}
