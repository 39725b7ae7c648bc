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
            Lanes<Shrink>(theta, descent, keep, theta);
        }

        if (l2)
        {
            // λθ + descent (λ = 0 included, so a zero keeps the sign it has always had): the same sum as λθ − ĝ.
            Lanes<AddDecay>(theta, descent, decay, descent);
        }

        if (settings.Optimizer == EvolutionOptimizer.Adam)
        {
            optimizer.Update(theta, descent, learningRate);
        }
        else
        {
            Lanes<Descend>(theta, descent, learningRate, theta);
        }
    }

    // destination[i] = TStep(θ[i], descent[i], k) element by element: in vector lanes, then a scalar tail. Each step's two
    // forms are the same IEEE operations in the same order, so the lanes give the scalar bits.
    private static void Lanes<TStep>(float[] theta, float[] descent, float k, float[] destination)
        where TStep : IElementStep
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var factor = new Vector<float>(k);
            int whole = theta.Length / Vector<float>.Count * Vector<float>.Count;
            for (; i < whole; i += Vector<float>.Count)
            {
                TStep.Apply(new Vector<float>(theta, i), new Vector<float>(descent, i), factor).CopyTo(destination, i);
            }
        }

        for (; i < destination.Length; i++)
        {
            destination[i] = TStep.Apply(theta[i], descent[i], k);
        }
    }

    private interface IElementStep
    {
        static abstract float Apply(float theta, float descent, float k);

        static abstract Vector<float> Apply(Vector<float> theta, Vector<float> descent, Vector<float> k);
    }

    // θ·k: decoupled decay's shrink.
    private readonly struct Shrink : IElementStep
    {
        public static float Apply(float theta, float descent, float k) => theta * k;

        public static Vector<float> Apply(Vector<float> theta, Vector<float> descent, Vector<float> k) => theta * k;
    }

    // (λ·θ) + descent: L2 folded into the direction.
    private readonly struct AddDecay : IElementStep
    {
        public static float Apply(float theta, float descent, float k) => (k * theta) + descent;

        public static Vector<float> Apply(Vector<float> theta, Vector<float> descent, Vector<float> k) => (k * theta) + descent;
    }

    // θ − (lr·descent): plain SGD.
    private readonly struct Descend : IElementStep
    {
        public static float Apply(float theta, float descent, float k) => theta - (k * descent);

        public static Vector<float> Apply(Vector<float> theta, Vector<float> descent, Vector<float> k) => theta - (k * descent);
    }
}
