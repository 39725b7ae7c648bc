using CpuLinear.Optimization;

namespace CpuLinear.Evolution;

/// <summary>
/// The ES update rule shared by every run that estimates a direction: weight decay (L2 through the optimiser, or
/// decoupled), then Adam or plain SGD (<see cref="EvolutionSettings.DecayMode"/>, <see cref="EvolutionSettings.Optimizer"/>).
/// </summary>
public static class EvolutionUpdate
{
    /// <summary>
    /// Steps <paramref name="theta"/> against <paramref name="descent"/> (an estimate of the loss's gradient, i.e. minus
    /// the fitness's), which is overwritten with the direction the optimiser saw (plus λθ under L2). Element-wise in index
    /// order: the same bits on every thread count and path.
    /// </summary>
    public static void Apply(float[] theta, float[] descent, EvolutionSettings settings, AdamOptimizer optimizer, float learningRate)
    {
        ArgumentNullException.ThrowIfNull(theta);
        ArgumentNullException.ThrowIfNull(descent);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(optimizer);
        float decay = settings.WeightDecay;
        bool l2 = settings.DecayMode == WeightDecayMode.L2;
        if (!l2 && decay != 0)
        {
            // Decoupled: shrink θ by one factor, then step on the estimate alone.
            float keep = 1 - (learningRate * decay);
            for (int i = 0; i < theta.Length; i++)
            {
                theta[i] *= keep;
            }
        }

        if (l2)
        {
            // λθ + descent (λ = 0 included, so a zero keeps the sign it has always had): the same sum as λθ − ĝ.
            for (int i = 0; i < descent.Length; i++)
            {
                descent[i] = (decay * theta[i]) + descent[i];
            }
        }

        if (settings.Optimizer == EvolutionOptimizer.Adam)
        {
            optimizer.Update(theta, descent, learningRate);
        }
        else
        {
            for (int i = 0; i < theta.Length; i++)
            {
                theta[i] -= learningRate * descent[i];
            }
        }
    }
}
