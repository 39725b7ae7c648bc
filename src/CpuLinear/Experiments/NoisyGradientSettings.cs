using CpuLinear.Networks;

namespace CpuLinear.Experiments;

/// <summary>Settings of the noisy-gradient experiment (<see cref="NoisyGradientExperiment"/>).</summary>
public sealed record NoisyGradientSettings
{
    /// <summary>The gradient whose direction is degraded: FTZ-aware (the literal program's) or straight-through.</summary>
    public IReadOnlyList<GradientMode> Gradients { get; init; } = [GradientMode.FtzAware, GradientMode.StraightThrough];

    /// <summary>Cosines c between each step's direction and the minibatch gradient (1: the gradient itself).</summary>
    public IReadOnlyList<double> Cosines { get; init; } = [0.03, 0.1, 1];

    /// <summary>Steps of each run (one minibatch each, as one ES generation).</summary>
    public int Steps { get; init; } = 2600;

    /// <summary>Rows per step.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Adam step size at the first step (geometric decay to <see cref="LearningRateFinal"/>), as ES's schedule.</summary>
    public float LearningRateInitial { get; init; } = 0.004f;

    /// <summary>Adam step size at the last step.</summary>
    public float LearningRateFinal { get; init; } = 0.0002f;

    /// <summary>L2 coefficient λ in the direction (ES's default).</summary>
    public float WeightDecay { get; init; } = 0.005f;

    /// <summary>Test accuracy is measured every this many steps (and after the last).</summary>
    public int EvaluateEvery { get; init; } = 100;

    /// <summary>Seeds θ₀, the minibatch order and the noise.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Threads (the results do not depend on it).</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>The learning rate at <paramref name="step"/> (geometric, computed in double and rounded once, as ES's).</summary>
    public float LearningRateAt(int step)
    {
        double t = Steps <= 1 ? 0 : Math.Clamp(step / (double)(Steps - 1), 0, 1);
        return (float)(LearningRateInitial * Math.Pow(LearningRateFinal / (double)LearningRateInitial, t));
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (Gradients is null || Gradients.Count == 0 || Gradients.Any(g => g is not (GradientMode.FtzAware or GradientMode.StraightThrough or GradientMode.PureLinear)))
        {
            throw new ArgumentException("Name at least one gradient: ftz-aware, straight-through or pure-linear.");
        }

        if (Cosines is null || Cosines.Count == 0 || Cosines.Any(c => !(c > 0 && c <= 1)))
        {
            throw new ArgumentException($"Cosines must be in (0, 1]; got {(Cosines is null ? "none" : string.Join(", ", Cosines))}.");
        }

        if (Steps < 1 || BatchSize < 1 || EvaluateEvery < 1 || Threads < 1)
        {
            throw new ArgumentException($"Steps, batch size, evaluation interval and threads must be positive; got {Steps}, {BatchSize}, {EvaluateEvery}, {Threads}.");
        }

        if (!(LearningRateInitial > 0 && LearningRateFinal > 0 && WeightDecay >= 0))
        {
            throw new ArgumentException($"Learning rates must be positive and weight decay non-negative; got {LearningRateInitial}→{LearningRateFinal}, λ {WeightDecay}.");
        }
    }
}
