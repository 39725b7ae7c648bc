using System.Numerics;
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
        if (theta.Length != descent.Length)
        {
            throw new ArgumentException($"θ has {theta.Length} values but the descent direction has {descent.Length}.", nameof(descent));
        }

        float decay = settings.WeightDecay;
        bool l2 = settings.DecayMode == WeightDecayMode.L2;
        if (!l2 && decay != 0)
        {
            // Decoupled: shrink θ by one factor, then step on the estimate alone.
            float keep = 1 - (learningRate * decay);
            Lanes(theta, descent, (t, _) => t * keep, (t, _) => t * keep, theta);
        }

        if (l2)
        {
            // λθ + descent (λ = 0 included, so a zero keeps the sign it has always had): the same sum as λθ − ĝ.
            Lanes(theta, descent, (t, d) => (decay * t) + d, (t, d) => (new Vector<float>(decay) * t) + d, descent);
        }

        if (settings.Optimizer == EvolutionOptimizer.Adam)
        {
            optimizer.Update(theta, descent, learningRate);
        }
        else
        {
            Lanes(theta, descent, (t, d) => t - (learningRate * d), (t, d) => t - (new Vector<float>(learningRate) * d), theta);
        }
    }

    // destination[i] = f(θ[i], descent[i]) element by element: in vector lanes, then a scalar tail. The two forms are the
    // same IEEE operations in the same order, so the lanes give the scalar bits.
    private static void Lanes(float[] theta, float[] descent, Func<float, float, float> scalar, Func<Vector<float>, Vector<float>, Vector<float>> lanes, float[] destination)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int whole = theta.Length / Vector<float>.Count * Vector<float>.Count;
            for (; i < whole; i += Vector<float>.Count)
            {
                lanes(new Vector<float>(theta, i), new Vector<float>(descent, i)).CopyTo(destination, i);
            }
        }

        for (; i < destination.Length; i++)
        {
            destination[i] = scalar(theta[i], descent[i]);
        }
    }
}
